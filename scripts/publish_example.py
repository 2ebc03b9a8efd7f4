"""Regenerate the project's published tables of the bundled example (data/published/example).

These are the tool's own outputs at a fixed version, config and seed, published so that CI
(`rapport-cost reproduce example`) fails when a change moves any of them. Run
``uv run python scripts/publish_example.py`` only when a change is meant to move them, and
review the diff of data/published/example/ in the commit.
"""

from __future__ import annotations

from pathlib import Path

from rapport_cost.api.reproduce import make_published
from rapport_cost.fileio.published import load_manifest

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Write every expected table of the published name ``example``."""
    manifest, path = load_manifest(ROOT / "data" / "published" / "manifest.yaml")
    folder = path.parent
    for item in manifest.published["example"].tables:
        result = make_published(item.run, folder)
        target = folder / item.expected
        target.parent.mkdir(parents=True, exist_ok=True)
        result.tables[item.table].to_csv(target, index=False, lineterminator="\n")
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
