"""A small reader of gettext .po files, enough for the catalogue tests: each entry's context,
msgid, plural, translations and flags; obsolete (#~) entries are left out. polib would do the
same; a test dependency is not worth these sixty lines."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, started
        if started:
            entries.append(entry)
        entry, started = Entry(), False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            finish()
            continue
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            kind, index = target
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, getattr(entry, kind) + value)
            continue
        keyword, _space, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword == "msgctxt" and started and entry.msgid:
            finish()
        started = True
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            setattr(entry, keyword, value)
            target = (keyword, 0)
    finish()
    return entries
