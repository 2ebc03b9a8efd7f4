"""report: one self-contained HTML file that renders in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image
from tests.helpers import invoke

SECTIONS = (
    "Cost per unit",
    "Quantities, unit costs and costs by component",
    "Staff unit costs",
    "Probabilistic sensitivity analysis",
    "Bootstrap intervals",
    "One-way sensitivity analysis",
    "Scenarios",
    "CHEERS 2022",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    invoke(
        ["report", "-o", str(out), "--draws", "256", "--resamples", "199", "--seed", "7"], code=0
    )
    return out


def test_report_is_self_contained(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    # no fetch from the network: no external scripts, styles, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "<script" not in text
    assert "<link" not in text
    assert text.count("data:image/png;base64,") >= 3  # PSA, bootstrap and tornado plots
    for title in SECTIONS:
        assert title in text, title


def test_report_is_disclosure_controlled_by_default(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert "disclosure control nhsd2018" in text
    # no individual-level row: the example's woman ids are W00001 ... W00300
    assert not re.search(r"\bW\d{5}\b", text)


def test_report_refuses_to_overwrite(report: Path) -> None:
    result = invoke(["report", "-o", str(report), "--draws", "256"], code=4)
    assert "already exists" in result.stderr


def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    png = tmp_path / "report.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=1280,6000",
            report.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pixels = image.imread(png)
    assert pixels.shape[0] == 6000
    assert pixels.shape[1] == 1280
    # not a blank page: the header band, text and tables give many distinct colours
    rgb = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 50
    assert rgb.std() > 10
