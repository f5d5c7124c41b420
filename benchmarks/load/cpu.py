"""CPU time the run's own processes spent, read from Linux's /proc: gunicorn's workers, the
PostgreSQL backends serving the run's database, the registry sandbox and the client.

On a machine shared with other work, requests per second say as much about the neighbours as
about the product; the CPU each request cost does not depend on them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PARTS = ("gunicorn", "PostgreSQL", "registry", "client")
_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 10.0


def _ms(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * _TICK_MS  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@dataclass
class Meter:
    gunicorn: int  # the master's pid: its workers are its children
    registry: int
    database: object  # a psycopg connection to the run's database
    name: str

    @property
    def available(self) -> bool:
        return Path(f"/proc/{self.gunicorn}/stat").exists()

    def _backends(self) -> list[int]:
        rows = self.database.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,)
        ).fetchall()
        return [pid for (pid,) in rows]

    def read(self) -> dict[str, dict[int, float]]:
        """CPU milliseconds so far, by part and process (processes come and go: a difference
        is taken per process)."""
        if not self.available:
            return {}
        return {
            "gunicorn": {pid: _ms(pid) for pid in [self.gunicorn, *_children(self.gunicorn)]},
            "PostgreSQL": {pid: _ms(pid) for pid in self._backends()},
            "registry": {self.registry: _ms(self.registry)},
            "client": {0: time.process_time() * 1000},
        }


def spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU milliseconds by part between two readings."""
    return {
        part: sum(ms - before.get(part, {}).get(pid, 0.0) for pid, ms in after.get(part, {}).items())
        for part in PARTS
        if part in after
    }
