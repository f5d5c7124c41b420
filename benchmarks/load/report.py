"""What the HTTP benchmark prints: requests per second, p50/p95/max and errors by kind, the
POST's throughput against the login page's, whether the lock ended where everybody believes,
and whether the target is met."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .cpu import PARTS
from .users import KINDS, LOGIN_PAGE, PAGES, PHASES, TOGGLE, Record, percentile

# The target: the POST at least this share of the login page's throughput, no errors, and
# pages answered within this p95 at a steady pace.
TARGET_RATIO = 0.4
TARGET_P95_MS = 100.0
ALL_PAGES = "pages (all four)"
_PHASE_OF = {LOGIN_PAGE: "login page", TOGGLE: "POST", **dict.fromkeys(PAGES, "pages")}


def _row(label: str, people: int | str, record: Record, kinds: tuple[str, ...], seconds: float) -> str:
    times = [ms for kind in kinds for ms in record.ms[kind]]
    errors = sum(sum(record.errors[kind].values()) for kind in kinds)
    count = record.requests(kinds)
    return (
        f"{label:22} {people!s:>6} {count:9d} {count / seconds:9.1f} {percentile(times, 50):8.1f} "
        f"{percentile(times, 95):8.1f} {max(times, default=float('nan')):8.1f} {errors:7d}"
    )


HEADER = (
    f"{'kind':22} {'people':>6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
    f"{'errors':>7}"
)


def write(
    say: Callable[[str], None],
    results: dict,
    states: list[dict],
    options: dict,
    before: tuple[float, ...],
    after: tuple[float, ...],
) -> None:
    users = options["users"]
    customers = len(states)
    people = {"login page": users, "pages": users, "POST": customers}
    merged = {phase: Record() for phase in PHASES}
    seconds = dict.fromkeys(PHASES, 0.0)
    for number, round_ in enumerate(results["rounds"], 1):
        rates = []
        for phase in PHASES:
            record, taken = round_[phase]
            merged[phase].merge(record)
            seconds[phase] += taken
            rates.append(f"{phase} {record.requests() / taken:.1f}/s")
        say(f"round {number}: " + ", ".join(rates))

    say("\nWithout a pause (each person sends the next request as soon as the last is answered):")
    say(HEADER)
    for kind in KINDS:
        phase = _PHASE_OF[kind]
        say(_row(kind, people[phase], merged[phase], (kind,), seconds[phase]))
        if kind == PAGES[-1]:
            say(_row(ALL_PAGES, users, merged["pages"], PAGES, seconds["pages"]))
    login_rate = merged["login page"].requests() / seconds["login page"]
    post_rate = merged["POST"].requests((TOGGLE,)) / seconds["POST"]
    ratio = post_rate / login_rate if login_rate else 0.0
    say(f"POST / login page throughput: {ratio:.2f} ({post_rate:.1f} / {login_rate:.1f} requests/s)")
    if results.get("cpu"):
        _cpu(say, results["cpu"], merged)

    pages_p95 = None
    errors: Counter = Counter()
    for phase in PHASES:
        for kind in KINDS:
            errors.update({(kind, label): n for label, n in merged[phase].errors[kind].items()})
    if results["steady"] is not None:
        record, taken = results["steady"]
        say(
            f"\nAt a steady pace ({users} people, each pausing {options['think']:g} s on average between "
            f"requests, {taken:.0f} s):"
        )
        say(HEADER)
        for kind in KINDS:
            say(_row(kind, users if kind != TOGGLE else customers, record, (kind,), taken))
        say(_row(ALL_PAGES, users, record, PAGES, taken))
        pages_p95 = percentile([ms for kind in PAGES for ms in record.ms[kind]], 95)
        for kind in KINDS:
            errors.update({(kind, label): n for label, n in record.errors[kind].items()})

    # Every change the server confirmed is in our database, at the registry and in the history.
    toggled, believed = results["toggled"], results["locked"]
    for state in states:
        name = state["username"]
        if not state["ours"] == state["registry"] == believed[name]:
            errors[(TOGGLE, "lock differs between browser, database and registry")] += 1
        if state["changes"] != toggled[name]:
            errors[(TOGGLE, "history holds another number of lock changes")] += 1
    if results["warm_errors"]:
        errors[("warm-up", "failed requests")] += results["warm_errors"]
    say(
        f"\nLock changes confirmed: {sum(toggled.values())} on {customers} domains; database, registry "
        "and history checked after the run"
    )
    listed = "; ".join(f"{kind}: {label} x{n}" for (kind, label), n in errors.items())
    say(f"Errors: {listed or 'none'}")

    met = [
        (f"POST >= {TARGET_RATIO} x login page", ratio >= TARGET_RATIO),
        ("0 errors", not errors),
        (
            f"pages p95 < {TARGET_P95_MS:.0f} ms at a steady pace",
            pages_p95 is not None and pages_p95 < TARGET_P95_MS,
        ),
    ]
    verdict = "met" if all(ok for _label, ok in met) else "missed"
    say(f"Target: {verdict} (" + ", ".join(f"{label}: {'yes' if ok else 'no'}" for label, ok in met) + ")")
    say(f"Load average at the start / at the end: {_load(before)} / {_load(after)}")


def _cpu(say: Callable[[str], None], cpu: dict[str, dict[str, float]], merged: dict[str, Record]) -> None:
    """CPU milliseconds per request of each phase, by process, and what they make of the ratio
    where the CPU is what limits (the same, however busy the machine is otherwise)."""
    say(f"\nCPU per request, ms ({', '.join(PARTS)}; the client drives, it is not served):")
    per_request = {}
    for phase in PHASES:
        count = merged[phase].requests()
        parts = {part: ms / count for part, ms in cpu[phase].items()} if count else {}
        per_request[phase] = sum(ms for part, ms in parts.items() if part != "client")
        listed = "  ".join(f"{part} {ms:6.2f}" for part, ms in parts.items())
        say(f"  {phase:12} {listed}  served: {per_request[phase]:6.2f}")
    if per_request.get("POST"):
        ratio = per_request["login page"] / per_request["POST"]
        say(f"Login page / POST CPU per request served: {ratio:.2f} (the throughput ratio where CPU limits)")


def _load(figures: tuple[float, ...]) -> str:
    return " ".join(f"{x:.2f}" for x in figures)
