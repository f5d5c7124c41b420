"""The people the HTTP benchmark plays: customers and staff, each in a browser of their own.

Each logs in through the login form (its own session cookie, the CSRF token from the form),
then does what the phase asks: fetches the login page as an anonymous visitor (the baseline),
opens the pages of their role, or (a customer) toggles the transfer lock of their own domain,
so that no two people contend for one row. A phase either keeps every person busy without a
pause (what the server can do: requests per second) or gives each a pause between requests
as people take (how long a page takes under a steady load).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .client import SUCCESS_LEVEL, Browser

LOGIN_PAGE = "login page"
HOME = "customer home"
DOMAINS = "domain list"
TRANSFER = "transfer detail"
QUEUE = "staff queue"
TOGGLE = "lock toggle (POST)"
PAGES = (HOME, DOMAINS, TRANSFER, QUEUE)
KINDS = (LOGIN_PAGE, *PAGES, TOGGLE)
# the phases of a round: what everybody does at once
PHASES = ("login page", "pages", "POST")


@dataclass(frozen=True)
class Person:
    username: str
    role: str  # "customer" or "staff"
    domain: int = 0  # the customer's own domain (pk)
    transfer: int = 0  # the customer's own transfer request (pk)


@dataclass
class Record:
    """Times and failures by kind of request."""

    ms: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    errors: dict[str, Counter] = field(default_factory=lambda: {kind: Counter() for kind in KINDS})

    def requests(self, kinds: tuple[str, ...] = KINDS) -> int:
        return sum(len(self.ms[k]) + sum(self.errors[k].values()) for k in kinds)

    def merge(self, other: Record) -> None:
        for kind in KINDS:
            self.ms[kind] += other.ms[kind]
            self.errors[kind] += other.errors[kind]


class User:
    def __init__(self, person: Person, host: str, port: int, secret: str, timeout: float) -> None:
        self.person = person
        self.browser = Browser(host, port, timeout)
        # the login page is what someone not logged in sees: a browser without the session
        self.visitor = Browser(host, port, timeout)
        self._secret = secret
        self.csrf = ""
        self.locked = False
        self.toggled = 0  # lock changes the server confirmed
        self._turn = 0
        self._paced = 0

    @property
    def is_customer(self) -> bool:
        return self.person.role == "customer"

    async def log_in(self) -> None:
        form = await self.browser.get("/login/")
        token = form.csrf_token()
        done = await self.browser.post(
            "/login/",
            {"csrfmiddlewaretoken": token, "username": self.person.username, "password": self._secret},
            referer="/login/",
        )
        if done.status != 302 or "sessionid" not in self.browser.cookies:
            raise RuntimeError(f"{self.person.username} could not log in (HTTP {done.status})")
        home = await self.browser.get("/")
        self.csrf = home.csrf_token()
        if home.status != 200 or not self.csrf:
            raise RuntimeError(f"{self.person.username}: the home page after login gave HTTP {home.status}")

    async def warm_up(self, record: Record) -> None:
        """One of each request: the server's processes load templates and open their database
        connections and registry sessions on their first requests."""
        await self.login_page(record)
        for _page in range(3 if self.is_customer else 1):
            await self.next_page(record)
        if self.is_customer:
            await self.toggle(record)

    # ------------------------------------------------------------------ one request each

    async def login_page(self, record: Record) -> None:
        await self._fetch(record, LOGIN_PAGE, self.visitor, "/login/")

    async def next_page(self, record: Record) -> None:
        if not self.is_customer:
            await self._fetch(record, QUEUE, self.browser, "/")
            return
        kind, path = [
            (HOME, "/"),
            (DOMAINS, "/domains/"),
            (TRANSFER, f"/transfers/{self.person.transfer}/"),
        ][self._turn % 3]
        self._turn += 1
        await self._fetch(record, kind, self.browser, path)

    async def toggle(self, record: Record) -> None:
        wanted = not self.locked
        form = {"csrfmiddlewaretoken": self.csrf, "locked": "1" if wanted else "0"}
        try:
            answer = await self.browser.post(f"/domains/{self.person.domain}/lock/", form, referer="/")
        except (TimeoutError, OSError) as exc:
            record.errors[TOGGLE][_failure(exc)] += 1
            return
        levels = self.browser.message_levels
        if answer.status != 302:
            record.errors[TOGGLE][f"HTTP {answer.status}"] += 1
        elif levels != [SUCCESS_LEVEL]:
            record.errors[TOGGLE][f"refused (message level {levels})"] += 1
        else:
            record.ms[TOGGLE].append(answer.ms)
            self.locked = wanted
            self.toggled += 1

    async def _fetch(self, record: Record, kind: str, browser: Browser, path: str) -> None:
        try:
            answer = await browser.get(path)
        except (TimeoutError, OSError) as exc:
            record.errors[kind][_failure(exc)] += 1
            return
        if answer.status == 200:
            record.ms[kind].append(answer.ms)
        elif answer.status in (301, 302):
            record.errors[kind][f"redirected to {answer.header('Location')}"] += 1
        else:
            record.errors[kind][f"HTTP {answer.status}"] += 1

    def paced_turn(self) -> Callable[[Record], Awaitable[None]]:
        """What a person does next at a steady pace: the login page now and then, their pages,
        and (a customer) the lock."""
        steps = (
            [self.login_page, self.next_page, self.next_page, self.next_page, self.toggle]
            if self.is_customer
            else [self.login_page, self.next_page]
        )
        step = steps[self._paced % len(steps)]
        self._paced += 1
        return step


def _failure(exc: BaseException) -> str:
    return "timeout" if isinstance(exc, asyncio.TimeoutError) else f"connection: {type(exc).__name__}"


async def busy(
    users: list[User], phase: str, seconds: float, record: Record | None = None
) -> tuple[Record, float]:
    """Everybody the phase concerns, without a pause, for ``seconds``; returns the record and
    the seconds until the last request ended."""
    record = record if record is not None else Record()
    taking_part = [u for u in users if phase != "POST" or u.is_customer]
    deadline = time.perf_counter() + seconds

    async def run(user: User) -> None:
        act = {"login page": user.login_page, "pages": user.next_page, "POST": user.toggle}[phase]
        while time.perf_counter() < deadline:
            await act(record)

    began = time.perf_counter()
    await asyncio.gather(*(run(u) for u in taking_part))
    return record, time.perf_counter() - began


async def paced(users: list[User], seconds: float, think: float, rng: random.Random) -> tuple[Record, float]:
    """Everybody at once, each pausing ``think`` seconds on average between requests."""
    record = Record()
    deadline = time.perf_counter() + seconds

    async def run(user: User, pause: float) -> None:
        await asyncio.sleep(pause)  # people do not all click in the same instant
        while time.perf_counter() < deadline:
            await user.paced_turn()(record)
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    began = time.perf_counter()
    await asyncio.gather(*(run(u, rng.uniform(0, think)) for u in users))
    return record, time.perf_counter() - began


def percentile(values: list[float], percent: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]
