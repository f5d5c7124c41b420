"""The Polish catalogue is complete: every message has a translation that is not fuzzy, the
compiled catalogue (the tracked .mo) says the same, and the code uses no message the catalogue
lacks."""

from __future__ import annotations

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

from .pofile import Entry, read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "pl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What makemessages reads besides the apps: nothing under these.
NOT_SOURCE = {".git", ".venv", "var", "test-artifacts", "node_modules", "static", "media"}


def _entries(text: str) -> list[Entry]:
    return [entry for entry in read_po(text) if entry.msgid]


def _key(entry: Entry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def _untranslated(entries: list[Entry]) -> dict[str, list[str]]:
    """Messages with an empty translation, a fuzzy one, or a plural short of Polish's forms
    (one, few, many, other)."""
    return {
        "empty": [entry.msgid for entry in entries if not entry.msgstr or not all(entry.msgstr.values())],
        "fuzzy": [entry.msgid for entry in entries if "fuzzy" in entry.flags],
        "plural forms missing": [
            entry.msgid for entry in entries if entry.msgid_plural and len(entry.msgstr) != 4
        ],
    }


def _stale_in_compiled(entries: list[Entry]) -> list[str]:
    """Messages whose translation the tracked .mo does not hold as the .po says it."""
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # noqa: SLF001
    stale = []
    for entry in entries:
        if entry.msgid_plural:
            found = [catalogue.get((_key(entry), index)) for index in range(len(entry.msgstr))]
            expected = [entry.msgstr[index] for index in range(len(entry.msgstr))]
        else:
            found, expected = catalogue.get(_key(entry)), entry.msgstr[0]
        if found != expected:
            stale.append(entry.msgid)
    return stale


def _missing_from_catalogue(tmp_path: Path, ours: set[str]) -> list[str]:
    """makemessages over a copy of the sources: what the code says and the catalogue has not.
    Each such message is one a Polish reader would see in English."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE, "__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "pl", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    wanted = {_key(entry) for entry in _entries((copy / PO.relative_to(ROOT)).read_text(encoding="utf-8"))}
    return sorted(wanted - ours)


def test_every_message_the_code_says_has_a_polish_translation(tmp_path: Path) -> None:
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 1000
    assert _untranslated(entries) == {"empty": [], "fuzzy": [], "plural forms missing": []}
    assert _stale_in_compiled(entries) == [], "compile it: msgfmt --check -o …/django.mo …/django.po"
    # bin/setup installs gettext: without it this check would not read the sources at all.
    assert shutil.which("xgettext") is not None, "install gettext (bin/setup does) to read the sources"
    assert _missing_from_catalogue(tmp_path, {_key(entry) for entry in entries}) == []
