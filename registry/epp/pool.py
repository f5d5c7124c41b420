"""SessionPool: logged-in EPP sessions with one registry, kept open and lent out.

A registry counts our sessions and dislikes a login per command, so each process keeps a few
sessions open (``max_size``) and lends them out one at a time::

    pool = SessionPool(make_client, name="regflow@epp.example:700", max_size=2)
    with pool.session() as client:
        client.domain_info("example.pl")

A lent client that failed under a command (``RegistryUnavailable``, ``ProtocolError``,
``CommandOutcomeUnknown``, anything but the registry's answer: ``breaks_session``) is closed,
never lent again. A new client logs in on its first
command, so that a refused login or a registry that is down is reported against the
command it stopped, as for any ``EppClient``.

How many sessions all processes together may hold is decided outside the pool: before it
opens a session the pool takes a slot from ``slot_claimer`` (the Django side keeps slots in
the database) and gives the slot back when the session ends; while it holds the slot it
renews it, so that the slots of a process that died are taken over once they go stale.

Idle sessions are kept alive by a daemon thread (one per pool, started with the first
session): it sends ``<hello>`` on a session idle for ``keepalive`` seconds and renews the
slots. A thread rather than a check on checkout, because a check on checkout comes too late:
by then the registry has closed the idle session (and counted it against us until it did),
and a worker that is idle for a while would also let its slots go stale for others to take.

After ``os.fork()`` the child starts with an empty pool: the parent's sockets and slots stay
the parent's.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from .client import EppClient
from .results import EppError, FrameInvalid, RegistryError, RegistryUnavailable

logger = logging.getLogger(__name__)


class Renewal(enum.Enum):
    HELD = "held"
    # Another process waits for a slot: give one back if a session is idle.
    WANTED = "wanted"
    # The slot was taken over (we were presumed dead): the session must end.
    LOST = "lost"


class SlotLease(Protocol):
    def renew(self) -> Renewal: ...

    def release(self) -> None: ...


SlotClaimer = Callable[[], SlotLease | None]
"""Takes one of the registrar's session slots, or returns None when all are held."""


class _Unlimited:
    def renew(self) -> Renewal:
        return Renewal.HELD

    def release(self) -> None:
        pass


def breaks_session(exc: BaseException) -> bool:
    """Whether a session that raised ``exc`` under a command must not be lent again.

    Only a whole answer from the registry (a refusal, a 2400 ``CommandFailed``) or a frame of
    ours refused before it left (``FrameInvalid``) leave it in step. A lost connection or answer
    (``RegistryUnavailable``, ``CommandOutcomeUnknown``), an answer that was not EPP
    (``ProtocolError``), or anything that interrupted the wait for an answer (a task's time
    limit) may leave an answer unread on the wire for the next borrower to take for its own.
    """
    return not isinstance(exc, (EppError, FrameInvalid))


@dataclass(eq=False)
class _Entry:
    client: EppClient
    lease: SlotLease
    idle_since: float = field(default_factory=time.monotonic)
    renewed: float = field(default_factory=time.monotonic)
    # its slot was taken over while it was lent: it ends when it comes back
    doomed: bool = False


def _alive(client: EppClient) -> bool:
    return client.logged_in and client.transport.connected and not client.transport.peer_closed()


def _end(entry: _Entry, *, log_out: bool = True) -> None:
    try:
        if log_out:
            entry.client.close()
        else:
            entry.client.transport.close()
    except (RegistryError, OSError) as exc:
        logger.info("EPP session %r ended with an error: %s", entry.client, exc)
    finally:
        try:
            entry.lease.release()
        except Exception:  # the slot goes stale and is taken over; nothing else to do
            logger.warning("could not give back the session slot of %r", entry.client, exc_info=True)


_pools: weakref.WeakSet[SessionPool] = weakref.WeakSet()


class SessionPool:
    def __init__(
        self,
        factory: Callable[[], EppClient],
        *,
        name: str = "registry",
        max_size: int = 2,
        keepalive: float = 60.0,
        wait_timeout: float = 20.0,
        slot_claimer: SlotClaimer | None = None,
        keepalive_done: Callable[[], None] | None = None,
    ) -> None:
        """``keepalive_done`` runs in the keep-alive thread after each round (the Django side
        closes that thread's database connection with it)."""
        if max_size < 1:
            raise ValueError("a pool holds at least one session")
        self.factory = factory
        self.name = name
        self.max_size = max_size
        self.keepalive = keepalive
        self.wait_timeout = wait_timeout
        self.slot_claimer = slot_claimer
        self.keepalive_done = keepalive_done
        self._start_empty()
        _pools.add(self)

    def __repr__(self) -> str:
        return f"<SessionPool {self.name} idle={len(self._idle)} lent={len(self._lent)}/{self.max_size}>"

    def _start_empty(self) -> None:
        self._pid = os.getpid()
        self._cond = threading.Condition(threading.Lock())
        self._idle: list[_Entry] = []
        self._lent: dict[int, _Entry] = {}
        # lent when the pool was closed: each ends, with its slot, when it comes back
        self._retired: dict[int, _Entry] = {}
        self._opening = 0
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    @property
    def tick(self) -> float:
        """How often the keep-alive thread looks at the sessions and renews their slots."""
        return min(max(self.keepalive / 4, 0.05), 15.0)

    def _after_fork(self) -> None:
        # The parent's sockets and slots are the parent's: closing our copies of the sockets
        # sends nothing (no logout, no TLS close_notify); the slots are left alone.
        for entry in [*self._idle, *self._lent.values(), *self._retired.values()]:
            with contextlib.suppress(OSError):
                entry.client.transport.close()
        self._start_empty()

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            self._after_fork()

    # ------------------------------------------------------------------ lending

    @contextlib.contextmanager
    def session(self, timeout: float | None = None) -> Iterator[EppClient]:
        client = self.checkout(timeout)
        broken = False
        try:
            yield client
        except BaseException as exc:
            broken = breaks_session(exc)
            raise
        finally:
            self.checkin(client, broken=broken)

    def checkout(self, timeout: float | None = None) -> EppClient:
        """A logged-in client, or a new one (it logs in on its first command) when fewer than
        ``max_size`` are open and a slot is free; otherwise wait up to ``timeout`` seconds."""
        self._check_fork()
        timeout = self.wait_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        pause = 0.02
        waited_for_slot = False
        while True:
            dead: list[_Entry] = []
            replaced: _Entry | None = None
            with self._cond:
                entry = None
                while self._idle:
                    candidate = self._idle.pop()  # the most recently used: the likeliest alive
                    if _alive(candidate.client):
                        entry = candidate
                        break
                    dead.append(candidate)
                if entry is None and dead:
                    # A session the registry closed while idle: its slot goes to a new client.
                    replaced = dead.pop()
                    entry = _Entry(self.factory(), replaced.lease)
                if entry is not None:
                    self._lent[id(entry.client)] = entry
                may_open = entry is None and self._size() < self.max_size
                if may_open:
                    self._opening += 1
            for gone in dead:
                _end(gone)
            if replaced is not None:
                replaced.client.transport.close()  # its slot lives on with the new client
            if entry is not None:
                return entry.client
            if may_open:
                lease = None
                try:
                    lease = self._claim_slot()
                finally:
                    with self._cond:
                        self._opening -= 1
                        self._cond.notify()
                with self._cond:
                    if lease is not None:
                        entry = _Entry(self.factory(), lease)
                        self._lent[id(entry.client)] = entry
                if entry is not None:
                    logger.debug("new EPP session for %s", self.name)
                    self._ensure_keeper()  # its slot is renewed while it is lent, too
                    return entry.client
                waited_for_slot = True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RegistryUnavailable(self._busy_message(timeout, waited_for_slot))
            with self._cond:
                # woken when a session comes back; a slot freed elsewhere is seen on the next try
                self._cond.wait(min(remaining, pause) if waited_for_slot else remaining)
            pause = min(pause * 2, 0.5)

    def _busy_message(self, timeout: float, waited_for_slot: bool) -> str:
        if waited_for_slot:
            return (
                f"no EPP session with {self.name} became free within {timeout:g} s: every session "
                "the registrar may hold at once is open in some worker"
            )
        return (
            f"no EPP session with {self.name} became free within {timeout:g} s: all {self.max_size} "
            "sessions of this process are in use"
        )

    def _claim_slot(self) -> SlotLease | None:
        if self.slot_claimer is None:
            return _Unlimited()
        try:
            return self.slot_claimer()
        except RuntimeError:
            raise  # a claim where none may be made (inside a transaction): a mistake, not an outage
        except Exception as exc:
            raise RegistryUnavailable(f"no session slot for {self.name} could be taken: {exc}") from exc

    def checkin(self, client: EppClient, *, broken: bool = False) -> None:
        """Take a lent client back; a broken one, or one whose session ended, is closed."""
        if self._pid != os.getpid():
            return  # lent by the parent process: its socket is not ours to use or close
        with self._cond:
            retired = self._retired.pop(id(client), None)
            entry = self._lent.pop(id(client), None)
            keep = entry is not None and not broken and not entry.doomed and _alive(client)
            if keep:
                entry.idle_since = time.monotonic()
                self._idle.append(entry)
            self._cond.notify()
        if retired is not None:
            _end(retired, log_out=not broken)
        elif entry is None:
            # not lent by this pool (or lent before a fork): it ends here
            with contextlib.suppress(RegistryError, OSError):
                client.close()
        elif not keep:
            if broken:
                logger.info("EPP session %r failed under a command; closing it", client)
            _end(entry, log_out=not broken)
        else:
            self._ensure_keeper()

    def _size(self) -> int:
        return len(self._idle) + len(self._lent) + self._opening

    @property
    def size(self) -> int:
        """Sessions open or lent (a lent client may not have logged in yet)."""
        with self._cond:
            return len(self._idle) + len(self._lent)

    def close(self) -> None:
        """Log out every idle session and give its slot back; lent ones end when returned."""
        self._check_fork()
        self._stop.set()
        with self._cond:
            idle, self._idle = self._idle, []
            # A lent client is in another thread's hands: it ends when it comes back, and
            # gives its slot back only then, so that the cap holds meanwhile.
            self._retired.update(self._lent)
            self._lent = {}
            self._cond.notify_all()
        for entry in idle:
            _end(entry)
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not threading.current_thread():
            keeper.join(timeout=5)
        self._stop = threading.Event()

    # ------------------------------------------------------------------ keeping alive

    def _ensure_keeper(self) -> None:
        with self._cond:
            if self._keeper is not None and self._keeper.is_alive():
                return
            stop = self._stop
            self._keeper = threading.Thread(
                target=self._keep, args=(stop,), name=f"epp-keepalive {self.name}", daemon=True
            )
            self._keeper.start()

    def _keep(self, stop: threading.Event) -> None:
        while not stop.wait(self.tick):
            if self._pid != os.getpid():
                return
            try:
                self.tend()
            except Exception:  # the thread must outlive one bad round
                logger.exception("keeping the EPP sessions with %s alive failed", self.name)
            finally:
                if self.keepalive_done is not None:
                    with contextlib.suppress(Exception):
                        self.keepalive_done()

    def tend(self) -> None:
        """One round of the keep-alive thread: renew the slots, give one back if another
        process waits for it, say hello on sessions idle for ``keepalive`` seconds and end
        those that do not answer."""
        now = time.monotonic()
        with self._cond:
            entries = [*self._idle, *self._lent.values()]
        lost: set[int] = set()
        wanted = False
        for entry in entries:
            if now - entry.renewed < self.tick * 0.9:
                continue
            try:
                renewal = entry.lease.renew()
            except Exception as exc:  # the database busy or away: the slot is still ours for a while
                logger.warning("renewing the session slot of %r failed: %s", entry.client, exc)
                continue
            entry.renewed = now
            if renewal is Renewal.LOST:
                lost.add(id(entry))
            elif renewal is Renewal.WANTED:
                wanted = True
        with self._cond:
            ending = [e for e in self._idle if id(e) in lost]
            self._idle = [e for e in self._idle if id(e) not in lost]
            for entry in self._lent.values():
                if id(entry) in lost:
                    # ends when it comes back; its slot is no longer ours to give back
                    entry.lease = _Unlimited()
                    entry.doomed = True
            if wanted and self._idle:
                ending.append(self._idle.pop(0))  # the longest idle
            due = [e for e in self._idle if now - e.idle_since >= self.keepalive]
            self._idle = [e for e in self._idle if e not in due]
        for entry in ending:
            if id(entry) in lost:
                entry.lease = _Unlimited()
                logger.warning("the session slot of %r was taken over; closing the session", entry.client)
            else:
                logger.info("another worker waits for a session with %s; closing an idle one", self.name)
            _end(entry)
        for entry in due:
            self._say_hello(entry)

    def _say_hello(self, entry: _Entry) -> None:
        client = entry.client
        ok = False
        if _alive(client):  # a hello on a closed session would log in again, for nothing
            try:
                client.hello()
                ok = True
            except (RegistryError, OSError) as exc:
                logger.info("EPP session %r did not answer a hello: %s", client, exc)
        with self._cond:
            if ok and self._pid == os.getpid() and not self._stop.is_set():
                entry.idle_since = time.monotonic()
                self._idle.append(entry)
                self._cond.notify()
                return
        _end(entry, log_out=ok)


def _forget_after_fork() -> None:
    for pool in list(_pools):
        pool._after_fork()


os.register_at_fork(after_in_child=_forget_after_fork)
