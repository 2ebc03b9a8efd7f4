"""Price-year adjustment with an index published as annual percentage changes (M-36)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


def year_start(fy: str) -> int:
    """First calendar year of a financial year: ``"2023/24"`` → 2023."""
    return int(fy[:4])


def fy_label(start: int) -> str:
    """Financial year starting in ``start``: 2023 → ``"2023/24"``."""
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class PriceIndex:
    """Annual percentage changes of one index variant, by financial year.

    Parameters
    ----------
    name
        E.g. ``"NHSCII pay_and_prices (2025 manual)"``.
    pct
        Annual change in percent, keyed by the financial year it applies to.
    provisional
        Financial years whose rate is provisional.
    """

    name: str
    pct: dict[str, float]
    provisional: frozenset[str] = frozenset()

    def factor(self, source: str, target: str) -> float:
        """Multiply a cost in ``source`` prices by this to get ``target`` prices (M-36).

        For s < t the factor is the product of ``1 + g_y/100`` over the years s+1 … t;
        deflating uses the reciprocal, so ``factor(s, t) * factor(t, s) == 1``.

        Raises
        ------
        KeyError
            Naming the first financial year the index does not cover.
        """
        s, t = year_start(source), year_start(target)
        lo, hi = min(s, t), max(s, t)
        product = 1.0
        for y in range(lo + 1, hi + 1):
            label = fy_label(y)
            if label not in self.pct:
                raise KeyError(label)
            product *= 1.0 + self.pct[label] / 100.0
        return product if s <= t else 1.0 / product

    def levels(self, base: str) -> dict[str, float]:
        """Chained index levels with ``base`` = 100 (M-36), for display."""
        return {fy: 100.0 * self.factor(base, fy) for fy in sorted(self.pct)}

    def provisional_between(self, source: str, target: str) -> list[str]:
        """Provisional years whose rate enters ``factor(source, target)``."""
        s, t = sorted((year_start(source), year_start(target)))
        return [fy_label(y) for y in range(s + 1, t + 1) if fy_label(y) in self.provisional]


def select_index(table: pd.DataFrame, *, variant: str, edition: str) -> PriceIndex:
    """Build a :class:`PriceIndex` from the bundled NHSCII table.

    Parameters
    ----------
    table
        Columns ``financial_year``, ``pay_and_prices_pct``, ``pay_pct``, ``prices_pct``,
        ``manual_edition``, ``provisional`` (``yes``/``no``); one row per year and edition.
    variant
        ``pay_and_prices``, ``pay`` or ``prices`` (M-36).
    edition
        ``latest`` takes each year from the most recent manual that gives it; ``2024`` or
        ``2025`` uses only that manual and the earlier ones.
    """
    rows = table.copy()
    rows["manual_edition"] = rows["manual_edition"].astype(str)
    if edition != "latest":
        rows = rows[rows["manual_edition"] <= edition]
    rows = rows.sort_values(["financial_year", "manual_edition"]).drop_duplicates(
        "financial_year", keep="last"
    )
    pct = {
        str(fy): float(v)
        for fy, v in zip(rows["financial_year"], rows[f"{variant}_pct"], strict=True)
    }
    prov = frozenset(
        str(fy)
        for fy, flag in zip(rows["financial_year"], rows["provisional"], strict=True)
        if str(flag).lower() == "yes"
    )
    last = rows["manual_edition"].max() if len(rows) else "?"
    return PriceIndex(f"NHSCII {variant} (to the {last} manual)", pct, prov)
