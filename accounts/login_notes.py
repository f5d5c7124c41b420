"""Why someone is asked to log in: a line the login page shows above its form when the page
they are going to (``next``) says what waits for them there, e.g. the cesja an invitation
link leads to. Apps that send people to log in register a reader for their pages in
``AppConfig.ready()``; accounts knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import Resolver404, resolve


@dataclass(frozen=True)
class LoginNote:
    title: str
    lines: list[str]


# URL name -> a function of the URL's keyword arguments giving the note, or None.
NoteReader = Callable[..., LoginNote | None]
_READERS: dict[str, NoteReader] = {}


def register(url_name: str, reader: NoteReader) -> None:
    _READERS[url_name] = reader


def note_for(next_url: str) -> LoginNote | None:
    """The note for the page at ``next_url`` (a path of ours), or None."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//"):
        return None
    try:
        match = resolve(next_url.split("?", 1)[0])
    except Resolver404:
        return None
    reader = _READERS.get(match.view_name)
    return reader(**match.kwargs) if reader is not None else None
