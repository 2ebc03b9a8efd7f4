"""What every config model shares: the strict base model, bounds and common types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StringConstraints,
)

Payer = Literal["nhs", "pss", "charity", "woman", "volunteer"]
Perspective = Literal["nhs_pss", "provider", "societal"]

#: Payers whose costs each perspective counts (M-2). Peer support in the MBUs is
#: delivered by a charity on behalf of the NHS, so the NHS & PSS perspective counts the
#: charity's delivery costs as the cost of the service; the societal perspective adds costs
#: borne by women and the value of volunteer time.
PERSPECTIVE_PAYERS: dict[str, frozenset[str]] = {
    "nhs_pss": frozenset({"nhs", "pss", "charity"}),
    "provider": frozenset({"charity"}),
    "societal": frozenset({"nhs", "pss", "charity", "woman", "volunteer"}),
}


def _consecutive(year: str) -> str:
    """A financial year's two parts are consecutive years: 2023/24, never 2023/25."""
    start = int(year[:4])
    meant = f"{start}/{(start + 1) % 100:02d}"
    if year != meant:
        msg = f"{year!r} is not a financial year (they run {meant}); did you mean {meant!r}?"
        raise ValueError(msg)
    return year


Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
FinancialYear = Annotated[
    str, StringConstraints(pattern=r"^\d{4}/\d{2}$"), AfterValidator(_consecutive)
]
IndexVariant = Literal["pay_and_prices", "pay", "prices"]


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- bounds


@dataclass(frozen=True)
class Bound:
    """Bounds a number must satisfy, checked on literals, inline and named parameters."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None

    def violation(self, value: float) -> str | None:
        """Return the rule ``value`` breaks, or ``None``."""
        if self.gt is not None and not value > self.gt:
            return f"must be > {_fmt(self.gt)}"
        if self.ge is not None and not value >= self.ge:
            return f"must be >= {_fmt(self.ge)}"
        if self.lt is not None and not value < self.lt:
            return f"must be < {_fmt(self.lt)}"
        if self.le is not None and not value <= self.le:
            return f"must be <= {_fmt(self.le)}"
        return None

    def hint(self, value: float) -> str:
        """``"; did you mean 0.237?"`` when a share (at most 1) is written as a percent."""
        return percent_hint(value) if self.le == 1 else ""


def percent_hint(value: float) -> str:
    """``"; did you mean 0.223?"`` for a share written as a percent (1 < value <= 100)."""
    return f"; did you mean {value / 100:g}?" if 1 < value <= 100 else ""


def _fmt(x: object) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x) if isinstance(x, str) else str(x)


_AT = "@at "


def _at(path: tuple[str, ...], message: str) -> str:
    """A message from a whole-config check that belongs to the field at ``path``."""
    return f"{_AT}{'.'.join(path)}: {message}"


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _fmt(value)
    if isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, list):
        text = "a list"
    elif value is None:
        text = "nothing"
    return text if len(text) <= 60 else text[:57] + "..."
