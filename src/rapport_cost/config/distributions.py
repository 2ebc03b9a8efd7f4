"""Distribution specs as the user writes them (mean and SE, counts, ranges), checked."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    Field,
    field_validator,
    model_validator,
)

from rapport_cost.config.base import Key, Strict, _fmt

# --------------------------------------------------------------------------- distributions


class _Dist(Strict):
    def describe(self) -> str:
        """Return a short text such as ``gamma(mean=1000, se=200)``."""
        args = ", ".join(
            f"{k}={_fmt(v)}"
            for k, v in self.model_dump(exclude={"type"}, exclude_none=True).items()
        )
        return f"{getattr(self, 'type', '?')}({args})"


def _exactly_one_form(model: BaseModel, forms: list[tuple[str, ...]]) -> None:
    given = [f for f in forms if all(getattr(model, k) is not None for k in f)]
    partial = {k for f in forms for k in f if getattr(model, k) is not None}
    if len(given) != 1 or partial - set(given[0]):
        names = " or ".join("{" + ", ".join(f) + "}" for f in forms)
        got = ", ".join(sorted(partial)) or "nothing"
        msg = f"give exactly one of {names}; got {got}"
        raise ValueError(msg)


class Fixed(_Dist):
    """No uncertainty: the parameter stays at its value."""

    type: Literal["fixed"]


class Gamma(_Dist):
    """Gamma: from mean and standard error (method of moments, M-43) or native."""

    type: Literal["gamma"]
    mean: float | None = Field(None, gt=0)
    se: float | None = Field(None, gt=0)
    shape: float | None = Field(None, gt=0)
    scale: float | None = Field(None, gt=0)
    rate: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        _exactly_one_form(self, [("mean", "se"), ("shape", "scale"), ("shape", "rate")])
        return self


class Beta(_Dist):
    """Beta: from mean and SE, from events out of n (with an optional prior), or native."""

    type: Literal["beta"]
    mean: float | None = Field(None, gt=0, lt=1)
    se: float | None = Field(None, gt=0)
    alpha: float | None = Field(None, gt=0)
    beta: float | None = Field(None, gt=0)
    events: float | None = Field(None, ge=0)
    n: float | None = Field(None, gt=0)
    prior_alpha: float = Field(0.0, ge=0)
    prior_beta: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _exactly_one_form(self, [("mean", "se"), ("alpha", "beta"), ("events", "n")])
        if self.mean is not None and self.se is not None:
            bound = self.mean * (1 - self.mean)
            if self.se**2 >= bound:
                msg = (
                    f"impossible beta: se^2 = {self.se**2:.6g} must be < mean*(1-mean) = "
                    f"{bound:.6g} (M-43)"
                )
                raise ValueError(msg)
        if self.events is not None and self.n is not None:
            if self.events > self.n:
                msg = f"events ({_fmt(self.events)}) must not exceed n ({_fmt(self.n)})"
                raise ValueError(msg)
            a = self.events + self.prior_alpha
            b = self.n - self.events + self.prior_beta
            if a <= 0 or b <= 0:
                msg = (
                    f"beta from {_fmt(self.events)} events out of {_fmt(self.n)} has a zero "
                    "count; set prior_alpha and prior_beta (e.g. 1) (M-43)"
                )
                raise ValueError(msg)
        return self


class Lognormal(_Dist):
    """Lognormal: from mean and SE, from an estimate and its 95% CI, or native."""

    type: Literal["lognormal"]
    mean: float | None = Field(None, gt=0)
    se: float | None = Field(None, gt=0)
    meanlog: float | None = None
    sdlog: float | None = Field(None, gt=0)
    estimate: float | None = Field(None, gt=0)
    lower: float | None = Field(None, gt=0)
    upper: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _exactly_one_form(
            self, [("mean", "se"), ("meanlog", "sdlog"), ("estimate", "lower", "upper")]
        )
        if self.lower is not None and self.upper is not None and self.estimate is not None:
            if not self.lower < self.upper:
                msg = f"lower ({_fmt(self.lower)}) must be < upper ({_fmt(self.upper)})"
                raise ValueError(msg)
            if not self.lower <= self.estimate <= self.upper:
                msg = f"estimate ({_fmt(self.estimate)}) must lie within [lower, upper]"
                raise ValueError(msg)
        return self


class Normal(_Dist):
    """Normal with mean and standard error."""

    type: Literal["normal"]
    mean: float
    se: float = Field(gt=0)


class Uniform(_Dist):
    """Uniform on [min, max], or from a mean and SE (M-43)."""

    type: Literal["uniform"]
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    se: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _exactly_one_form(self, [("min", "max"), ("mean", "se")])
        if self.min is not None and self.max is not None and not self.min < self.max:
            msg = f"min ({_fmt(self.min)}) must be < max ({_fmt(self.max)})"
            raise ValueError(msg)
        return self


class Triangular(_Dist):
    """Triangular with minimum, mode and maximum."""

    type: Literal["triangular"]
    min: float
    mode: float
    max: float

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_min_mode_max(self.min, self.mode, self.max)
        return self


class Pert(_Dist):
    """PERT (beta-PERT) with minimum, mode, maximum and shape lambda (default 4)."""

    type: Literal["pert"]
    min: float
    mode: float
    max: float
    lam: float = Field(4.0, gt=0, alias="lambda")

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_min_mode_max(self.min, self.mode, self.max)
        return self


def _check_min_mode_max(lo: float, mode: float, hi: float) -> None:
    if not lo < hi:
        msg = f"min ({_fmt(lo)}) must be < max ({_fmt(hi)})"
        raise ValueError(msg)
    if not lo <= mode <= hi:
        msg = f"mode ({_fmt(mode)}) must lie within [min, max] = [{_fmt(lo)}, {_fmt(hi)}]"
        raise ValueError(msg)


class Dirichlet(_Dist):
    """Dirichlet for shares that sum to one, from counts per category (M-43).

    The parameter's components are named ``<parameter>.<category>``.
    """

    type: Literal["dirichlet"]
    counts: dict[Key, float] = Field(min_length=2)
    prior: float = Field(0.0, ge=0)

    @field_validator("counts")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: c for k, c in v.items() if c < 0}
        if bad:
            msg = f"counts must be >= 0, got {bad}"
            raise ValueError(msg)
        return v

    @model_validator(mode="after")
    def _positive_alpha(self) -> Self:
        zero = [k for k, c in self.counts.items() if c + self.prior <= 0]
        if zero:
            msg = (
                f"zero count for {', '.join(zero)}: set a prior (e.g. prior: 1), "
                "as Briggs, Ades & Price (2003) propose (M-43)"
            )
            raise ValueError(msg)
        return self


Distribution = Annotated[
    Fixed | Gamma | Beta | Lognormal | Normal | Uniform | Triangular | Pert | Dirichlet,
    Field(discriminator="type"),
]
DIST_TYPES = (
    "fixed",
    "gamma",
    "beta",
    "lognormal",
    "normal",
    "uniform",
    "triangular",
    "pert",
    "dirichlet",
)
