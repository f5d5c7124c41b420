"""Reading frames after the fact: what support staff see when they open the frame log.

``split_log`` cuts a frame log (``framelog.FrameLog``) or a file holding one bare frame into
frames; ``describe`` turns one frame into plain JSON-able values: for an answer the result
code and message, the message queue, the transaction IDs and every field of its resData (a
transfer's trStatus, reID/acID and dates among them); for a command sent by us, the command,
its object and clTRID. Secrets are not in the log to begin with (it is redacted when
written) and ``describe`` leaves any authInfo out all the same.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from .namespaces import Namespaces, for_frame_root, q
from .responses import parse_frame
from .results import Greeting, ProtocolError, Response
from .safexml import parse_xml

_HEADER = re.compile(
    rb"^=== (?P<stamp>\S+) (?P<direction>C>S|S>C) (?P<peer>\S+) \((?P<size>\d+) bytes\)$", re.M
)
_SECRET_FIELDS = frozenset({"authinfo", "registrant_authinfo"})


@dataclass(frozen=True)
class LoggedFrame:
    data: bytes
    stamp: str = ""
    direction: str = ""
    peer: str = ""


def split_log(content: bytes) -> list[LoggedFrame]:
    """The frames in a frame log, in order; a file with no log headers is one frame."""
    headers = list(_HEADER.finditer(content))
    if not headers:
        return [LoggedFrame(content.strip())]
    frames = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following is not None else len(content)
        frames.append(
            LoggedFrame(
                content[header.end() : end].strip(),
                stamp=header["stamp"].decode(),
                direction=header["direction"].decode(),
                peer=header["peer"].decode(),
            )
        )
    return frames


def describe(data: bytes, dialect: Namespaces | None = None) -> dict[str, Any]:
    """One frame as plain values. ``dialect``: the frame must be in this dialect."""
    root = parse_xml(data)
    found = for_frame_root(etree.QName(root).namespace)
    if found is None:
        raise ProtocolError("the frame is not an EPP document in a dialect we know")
    if dialect is not None and found != dialect:
        raise ProtocolError(f"the frame is written in the {found.name} dialect, not {dialect.name}")
    if root.find(q(found.epp, "command")) is not None or root.find(q(found.epp, "hello")) is not None:
        return {"dialect": found.name, **_command(root, found)}
    frame = parse_frame(data)
    if isinstance(frame, Greeting):
        return {"dialect": found.name, "kind": "greeting", **_plain(frame)}
    return {"dialect": found.name, "kind": "response", **_response(frame)}


def _response(response: Response) -> dict[str, Any]:
    described: dict[str, Any] = {
        "code": response.code,
        "message": response.message,
        "results": [_plain(result) for result in response.results],
        "clTRID": response.trid.client,
        "svTRID": response.trid.server,
        "msgQ": _plain(response.msgq) if response.msgq is not None else None,
        "resData": None,
    }
    if response.data is not None:
        described["resData"] = {"type": type(response.data).__name__, **_plain(response.data)}
    return described


def _command(root: etree._Element, ns: Namespaces) -> dict[str, Any]:
    if root.find(q(ns.epp, "hello")) is not None:
        return {"kind": "hello"}
    command = root.find(q(ns.epp, "command"))
    verb = command[0]
    name = etree.QName(verb).localname
    described: dict[str, Any] = {"kind": "command", "command": name}
    if name in ("transfer", "poll"):
        described["op"] = verb.get("op")
    if name == "poll" and verb.get("msgID"):
        described["msgID"] = verb.get("msgID")
    if name == "login":
        described["clID"] = (verb.findtext(q(ns.epp, "clID")) or "").strip()
    if len(verb):
        target = verb[0]
        described["object"] = etree.QName(target).namespace
        for local in ("name", "id"):
            found = target.find(q(etree.QName(target).namespace, local))
            if found is not None:
                described[local] = (found.text or "").strip()
    extension = command.find(q(ns.epp, "extension"))
    if extension is not None:
        described["extensions"] = [etree.QName(e).localname for e in extension]
        for element in extension.iter(etree.Element):
            if etree.QName(element).localname == "resendConfirmationRequest":
                described["resendConfirmationRequest"] = True
    described["clTRID"] = (command.findtext(q(ns.epp, "clTRID")) or "").strip() or None
    return described


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f.name for f in dataclasses.fields(value) if f.name not in _SECRET_FIELDS]
        return {name: _plain(getattr(value, name)) for name in fields}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def frames_in(content: bytes) -> Iterator[tuple[LoggedFrame, dict[str, Any] | str]]:
    """Each frame of a log with its description, or the reason it cannot be read."""
    for frame in split_log(content):
        try:
            yield frame, describe(frame.data)
        except ProtocolError as exc:
            yield frame, str(exc)
