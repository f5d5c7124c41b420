"""Read frames from the registry frame log: ``manage.py registry_frame decode FILE``.

FILE is a frame log (settings.REGISTRY[...]["FRAME_LOG"]) or a file holding one frame; ``-``
reads standard input. Each frame is printed as JSON: for an answer the result code and
message, the message queue, the transaction IDs and every resData field (trStatus, reID/acID,
dates); for a command its verb, object and clTRID. ``--profile`` says which registry's
dialect the frames must be in; ``--entry N`` picks the N-th frame of a log (from 1; negative
counts from the end).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.epp.decode import describe, split_log
from registry.epp.namespaces import DIALECTS
from registry.epp.results import ProtocolError
from registry.profiles import PROFILES


class Command(BaseCommand):
    help = "Decode EPP frames from the frame log into JSON."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        decode = sub.add_parser("decode", help="print each frame of FILE as JSON")
        decode.add_argument("file", help="a frame log or a file with one frame; - for standard input")
        decode.add_argument("--profile", choices=sorted(DIALECTS), help="the registry dialect to expect")
        decode.add_argument("--entry", type=int, help="only the N-th frame (1 is the first, -1 the last)")

    def handle(
        self, *args, action: str, file: str, profile: str | None, entry: int | None, **options
    ) -> None:
        content = self._read(file)
        frames = split_log(content)
        if entry is not None:
            if entry == 0 or abs(entry) > len(frames):
                raise CommandError(f"{file} holds {len(frames)} frame(s); there is no entry {entry}")
            frames = [frames[entry - 1 if entry > 0 else entry]]
        dialect = DIALECTS[profile] if profile else None
        failures = 0
        for frame in frames:
            try:
                described = describe(frame.data, dialect)
            except ProtocolError as exc:
                failures += 1
                described = {"error": str(exc)}
            meaning = PROFILES[described["dialect"]].meaning(described["code"]) if "code" in described else ""
            if meaning:
                described["meaning"] = meaning  # what the code means at this registry
            if frame.direction:
                where = {"logged_at": frame.stamp, "direction": frame.direction, "peer": frame.peer}
                described = {**where, **described}
            self.stdout.write(json.dumps(described, ensure_ascii=False, indent=2))
        if failures:
            raise CommandError(f"{failures} of {len(frames)} frame(s) could not be read")

    @staticmethod
    def _read(file: str) -> bytes:
        if file == "-":
            return sys.stdin.buffer.read()
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        return path.read_bytes()
