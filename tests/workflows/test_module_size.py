"""No module of the product grows past 500 lines: a longer one is split by what its parts
are about. Migrations (generated) and the tests themselves are not held to it."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MOST_LINES = 500
# Not the product's modules: the virtualenv and other hidden folders, and the tests.
SKIPPED_DIRS = {"migrations", "tests", "node_modules", "__pycache__"}


def _modules() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        found.extend(Path(folder) / name for name in sorted(files) if name.endswith(".py"))
    return found


def test_the_walk_finds_the_product() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _modules()}
    assert {"manage.py", "transfers/models.py", "workflows/decisions.py"} <= names
    assert not any(name.startswith(("tests/", ".venv/")) or "/migrations/" in name for name in names)


def test_no_module_is_over_500_lines() -> None:
    too_long = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MOST_LINES:
            too_long.append(f"{path.relative_to(ROOT).as_posix()}: {lines} lines")
    assert not too_long, f"Modules over {MOST_LINES} lines (split them):\n" + "\n".join(too_long)
