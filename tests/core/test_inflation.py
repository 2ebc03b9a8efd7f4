"""NHSCII price-year conversion (M-36)."""

from __future__ import annotations

import pandas as pd
import pytest

from rapport_cost.core.params.inflation import PriceIndex, select_index
from rapport_cost.fileio.reference import nhscii_table


@pytest.fixture(scope="module")
def latest() -> PriceIndex:
    return select_index(nhscii_table(), variant="pay_and_prices", edition="latest")


def test_T13_factors(latest: PriceIndex) -> None:
    # M-36: 2019/20 -> 2023/24 = 1.0249 x 1.0258 x 1.0732 x 1.0247 = 1.15616971
    assert latest.factor("2019/20", "2023/24") == pytest.approx(1.15616971, rel=1e-8)
    assert 100 * latest.factor("2019/20", "2023/24") == pytest.approx(115.62, abs=0.005)
    # 2021/22 -> 2023/24 = 1.0732 x 1.0247 = 1.09970804
    assert latest.factor("2021/22", "2023/24") == pytest.approx(1.09970804, rel=1e-8)
    # 2022/23 -> 2024/25 = 1.0247 x 1.0402 = 1.06589294
    assert latest.factor("2022/23", "2024/25") == pytest.approx(1.06589294, rel=1e-8)


def test_reverse_factor_is_reciprocal(latest: PriceIndex) -> None:
    f = latest.factor("2016/17", "2022/23")
    assert latest.factor("2022/23", "2016/17") == pytest.approx(1 / f, rel=1e-14)
    assert latest.factor("2020/21", "2020/21") == 1.0


def test_chained_levels_match_methods_table(latest: PriceIndex) -> None:
    # M-36 chained levels (2014/15 = 100): 2019/20 107.6858, 2024/25 129.5081
    levels = latest.levels("2014/15")
    assert levels["2019/20"] == pytest.approx(107.6858, abs=1e-4)
    assert levels["2024/25"] == pytest.approx(129.5081, abs=1e-4)


def test_2024_edition_uses_the_provisional_rate() -> None:
    # the 2024 manual gave 2023/24 as 4.31% (provisional): 2022/23 -> 2023/24 = 1.0431
    idx = select_index(nhscii_table(), variant="pay_and_prices", edition="2024")
    assert idx.factor("2022/23", "2023/24") == pytest.approx(1.0431)
    assert idx.provisional_between("2022/23", "2023/24") == ["2023/24"]
    with pytest.raises(KeyError, match="2024/25"):
        idx.factor("2023/24", "2024/25")


def test_pay_variant() -> None:
    # pay only, 2022/23 -> 2023/24 (2025 manual): 1 + 2.18/100
    idx = select_index(nhscii_table(), variant="pay", edition="latest")
    assert idx.factor("2022/23", "2023/24") == pytest.approx(1.0218)


def test_missing_year_is_reported() -> None:
    idx = PriceIndex("test", {"2020/21": 1.0})
    with pytest.raises(KeyError, match="2021/22"):
        idx.factor("2019/20", "2021/22")


def test_select_index_from_a_frame() -> None:
    df = pd.DataFrame(
        {
            "financial_year": ["2020/21", "2021/22"],
            "pay_and_prices_pct": [1.0, 2.0],
            "pay_pct": [0, 0],
            "prices_pct": [0, 0],
            "manual_edition": ["2024", "2024"],
            "provisional": ["no", "yes"],
        }
    )
    idx = select_index(df, variant="pay_and_prices", edition="latest")
    # 1.01 x 1.02 = 1.0302
    assert idx.factor("2019/20", "2021/22") == pytest.approx(1.0302)
