"""Time to resolution on the supervisor's home page: the weekly figures, and how they are shown."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from assignments.models import Cesja
from assignments.policy import CesjaPolicy
from portal import resolution
from portal.resolution import CESJA, INCOMING, OUTGOING, WEEKS, WeekTimes, percentile, resolution_times
from tests.fixtures.browser import ARTIFACTS, log_in, shot
from transfers.models import Direction, Transfer
from transfers.policy import TransferPolicy

WARSAW = ZoneInfo("Europe/Warsaw")
# A Wednesday of 2026-W12: the window is then 2026-W01 (from Monday 29 December 2025) to 2026-W12.
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=WARSAW)
FIRST_MONDAY = date(2025, 12, 29)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def week_of(day: date) -> int:
    return (day - FIRST_MONDAY).days // 7


def by_kind(times: list[resolution.ResolutionTimes]) -> dict[str, list[WeekTimes]]:
    return {series.kind: series.weeks for series in times}


Make = Callable[..., Transfer | Cesja]


@pytest.fixture
def make_request(tlds_and_registrars) -> Make:
    """``make_request(kind, resolved_at=..., took=...)`` saves a transfer or a cesja that was
    made ``took`` before it ended; ``resolved_at=None`` leaves it open."""
    tld = tlds_and_registrars.tlds["pl"]
    transfer_policy = TransferPolicy.current_for(tld)
    cesja_policy = CesjaPolicy.current()
    numbers = itertools.count(1)

    def build(kind: str, *, resolved_at: datetime | None, took: timedelta | None = None) -> Transfer | Cesja:
        created_at = (resolved_at or timezone.now()) - (took or hours(1))
        state = "completed" if resolved_at else None
        if kind == CESJA:
            return Cesja(
                initiated_by=Cesja.Side.CEDENT,
                reason=Cesja.Reason.DOMAIN_SALE,
                policy=cesja_policy,
                state=state or Cesja.State.AWAITING_DOCUMENTS,
                created_at=created_at,
                resolved_at=resolved_at,
            )
        return Transfer(
            direction=Direction.INCOMING if kind == INCOMING else Direction.OUTGOING,
            domain_name=f"domena-{next(numbers)}.pl",
            tld=tld,
            policy=transfer_policy,
            state=state or Transfer.State.PENDING,
            created_at=created_at,
            resolved_at=resolved_at,
        )

    def make(kind: str, *, resolved_at: datetime | None, took: timedelta | None = None) -> Transfer | Cesja:
        request = build(kind, resolved_at=resolved_at, took=took)
        request.save()
        return request

    make.build = build
    return make


# --- percentiles ----------------------------------------------------------------------------


def test_percentile_interpolates_between_ranks() -> None:
    ten = [float(n) for n in range(1, 11)]
    # Position (n - 1) * 0.9 = 8.1 of the sorted sample: 9 + 0.1 * (10 - 9).
    assert percentile(ten, 0.9) == pytest.approx(9.1)
    assert percentile(ten, 0.5) == pytest.approx(5.5)
    assert percentile([4.0, 2.0], 0.9) == pytest.approx(3.8)


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([7200.0], 0.9) == 7200.0
    assert percentile([7200.0], 0.5) == 7200.0
    with pytest.raises(ValueError):
        percentile([], 0.9)


# --- the selector ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_known_durations_give_exact_median_and_p90_per_week_and_type(make_request) -> None:
    this_week = local(2026, 3, 17, 10)  # Tuesday of 2026-W12
    for n in range(1, 11):
        make_request(INCOMING, resolved_at=this_week, took=hours(n))
    make_request(OUTGOING, resolved_at=local(2026, 3, 12, 9), took=hours(30))  # 2026-W11, alone
    make_request(CESJA, resolved_at=local(2026, 3, 4, 15), took=timedelta(days=2))  # 2026-W10
    make_request(CESJA, resolved_at=local(2026, 3, 6, 15), took=timedelta(days=4))

    series = resolution_times(now=NOW)

    assert [s.kind for s in series] == [INCOMING, OUTGOING, CESJA]
    weeks = by_kind(series)
    for kind in weeks:
        assert len(weeks[kind]) == WEEKS
        assert weeks[kind][0].monday == FIRST_MONDAY
        assert weeks[kind][0].label == "2026-W01"
        assert weeks[kind][-1].label == "2026-W12"
    assert weeks[INCOMING][-1] == WeekTimes(date(2026, 3, 16), 10, hours(5.5), hours(9.1))
    assert weeks[OUTGOING][-2] == WeekTimes(date(2026, 3, 9), 1, hours(30), hours(30))
    assert weeks[CESJA][-3] == WeekTimes(date(2026, 3, 2), 2, timedelta(days=3), timedelta(days=3.8))
    assert [s.resolved for s in series] == [10, 1, 2]


@pytest.mark.django_db
def test_a_week_with_nothing_ended_is_a_gap_not_a_zero(make_request) -> None:
    make_request(INCOMING, resolved_at=local(2026, 1, 7, 12), took=hours(2))  # 2026-W02
    make_request(INCOMING, resolved_at=local(2026, 1, 21, 12), took=hours(4))  # 2026-W04

    incoming = by_kind(resolution_times(now=NOW))[INCOMING]

    assert [week.count for week in incoming[:5]] == [0, 1, 0, 1, 0]
    gap = incoming[2]
    assert (gap.label, gap.median, gap.p90) == ("2026-W03", None, None)
    assert incoming[1].median == hours(2)
    assert incoming[3].median == hours(4)
    # The chart draws no point for the gap, and the table shows a dash rather than 0.
    chart = resolution.render_chart(resolution.resolution_times(now=NOW)[0])
    assert chart.rows[2].median is None
    assert f"{gap.axis_label} ·" not in chart.svg
    assert f"{incoming[1].axis_label} · " in chart.svg


@pytest.mark.django_db
def test_open_requests_and_those_ended_outside_the_window_are_not_counted(make_request) -> None:
    for kind in (INCOMING, OUTGOING, CESJA):
        make_request(kind, resolved_at=None, took=timedelta(days=200))
        make_request(kind, resolved_at=local(2025, 12, 28, 23, 59), took=hours(1))  # the Sunday before
        make_request(kind, resolved_at=local(2026, 3, 23, 0, 1), took=hours(1))  # next week, a clock ahead
        make_request(kind, resolved_at=local(2025, 12, 29, 0, 0), took=hours(6))  # the window's first moment

    for series in resolution_times(now=NOW):
        assert series.resolved == 1, series.kind
        assert series.weeks[0].count == 1
        assert series.weeks[0].median == hours(6)


@pytest.mark.django_db
def test_weeks_run_monday_to_sunday_in_polish_time(make_request) -> None:
    # 23:30 on Sunday in Warsaw is 22:30 UTC, still Sunday; 00:30 on Monday is Sunday 23:30 UTC.
    make_request(CESJA, resolved_at=local(2026, 3, 8, 23, 30), took=hours(1))
    make_request(CESJA, resolved_at=local(2026, 3, 9, 0, 30), took=hours(3))

    cesje = by_kind(resolution_times(now=NOW))[CESJA]

    assert cesje[week_of(date(2026, 3, 8))].median == hours(1)
    assert cesje[week_of(date(2026, 3, 9))].median == hours(3)
    assert week_of(date(2026, 3, 9)) == week_of(date(2026, 3, 8)) + 1


@pytest.mark.django_db
def test_every_outcome_counts(make_request) -> None:
    outcomes = ["completed", "rejected", "cancelled", "expired", "failed"]
    for took, state in enumerate(outcomes, start=1):
        request = make_request(INCOMING, resolved_at=local(2026, 3, 17, 9), took=hours(took))
        Transfer.objects.filter(pk=request.pk).update(state=state)

    assert by_kind(resolution_times(now=NOW))[INCOMING][-1].count == 5


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_requests(make_request, django_assert_num_queries):
    def add(count: int) -> None:
        kinds = itertools.cycle([INCOMING, OUTGOING, CESJA])
        built = [
            make_request.build(
                next(kinds),
                resolved_at=NOW - timedelta(hours=3 * n + 1),
                took=timedelta(minutes=37 * n + 5),
            )
            for n in range(count)
        ]
        Transfer.objects.bulk_create([r for r in built if isinstance(r, Transfer)])
        Cesja.objects.bulk_create([r for r in built if isinstance(r, Cesja)])

    add(6)
    with django_assert_num_queries(2):
        few = resolution_times(now=NOW)
    add(600)
    with django_assert_num_queries(2):
        many = resolution_times(now=NOW)
    assert sum(s.resolved for s in few) == 6
    assert sum(s.resolved for s in many) == 606


# --- the page -------------------------------------------------------------------------------


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</figure>", start)]


@pytest.mark.django_db
def test_supervisor_sees_a_chart_and_a_table_per_request_type(client_for, supervisor, make_request) -> None:
    now = timezone.now()
    for n in range(1, 11):
        make_request(INCOMING, resolved_at=now, took=hours(n))
    make_request(OUTGOING, resolved_at=now, took=timedelta(days=5))
    make_request(CESJA, resolved_at=None)

    response = client_for(supervisor).get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="resolution-title"' in page
    charts = response.context["resolution_charts"]
    assert [chart.times.kind for chart in charts] == [INCOMING, OUTGOING, CESJA]

    incoming = section(page, "resolution-incoming")
    this_week = charts[0].times.weeks[-1].label
    # The chart: inline SVG with a name, no script.
    assert re.search(r'<svg[^>]*role="img"', incoming)
    assert "<script" not in incoming
    # Each point's tooltip names its week as the axis does, by its Monday.
    assert f"{charts[0].times.weeks[-1].axis_label} · " in incoming
    # The table: the same numbers, in hours (the longest is under three days), Polish decimals.
    rows = re.findall(r"<tr>(.*?)</tr>", incoming, re.S)
    assert len(rows) == 1 + WEEKS
    last = rows[-1]
    assert this_week in last
    assert re.findall(r"<td>([^<]*)</td>", last) == ["10", "5,5", "9,1"]
    assert "—" in rows[1]

    outgoing = section(page, "resolution-outgoing")
    assert re.findall(r"<td>([^<]*)</td>", re.findall(r"<tr>(.*?)</tr>", outgoing, re.S)[-1]) == [
        "1",
        "5,0",
        "5,0",
    ]
    # No cesja has ended: an empty state, not an empty chart.
    cesje = section(page, "resolution-cesja")
    assert "<svg" not in cesje.split("</figcaption>")[1]
    assert 'class="empty' in cesje


@pytest.mark.django_db
@pytest.mark.parametrize("points", [1, 3])
def test_a_chart_of_few_points_has_its_axes_and_each_value_written(make_request, points) -> None:
    for week in range(points):
        ended = local(2026, 3, 17, 10) - timedelta(weeks=week * 2)
        make_request(INCOMING, resolved_at=ended, took=hours(4))
        make_request(INCOMING, resolved_at=ended, took=hours(6))
    with translation.override("pl"):
        chart = resolution.render_chart(resolution_times(now=NOW)[0])
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", chart.svg)
    # Both axes are labelled: the unit, the weeks by their Mondays, the hours.
    assert "Godziny" in texts and "Tydzień (od poniedziałku)" in texts
    assert "16 marca" in texts and "29 grudnia" in texts
    assert {"0", "2", "4"} <= set(texts)
    # Each point carries its value as text: the median (5 h) and the 90th percentile (5.8 h).
    assert texts.count("5,0 godz.") == points
    assert texts.count("5,8 godz.") == points


@pytest.mark.django_db
def test_a_week_of_one_request_writes_its_value_once(make_request) -> None:
    make_request(INCOMING, resolved_at=local(2026, 3, 17, 10), took=hours(5))
    with translation.override("pl"):
        chart = resolution.render_chart(resolution_times(now=NOW)[0])
    assert re.findall(r"<text[^>]*>([^<]*)</text>", chart.svg).count("5,0 godz.") == 1


@pytest.mark.django_db
def test_staff_home_has_no_resolution_charts(client_for, staff_user) -> None:
    response = client_for(staff_user()).get("/")
    assert "resolution_charts" not in response.context
    assert 'id="resolution"' not in response.content.decode()


# --- in a browser ---------------------------------------------------------------------------


def realistic_weeks(make_request, now: datetime) -> None:
    """Twelve weeks as they come: transfers mostly wait out the losing registrar's five days,
    some end within hours (rejected, cancelled); cesje wait for signed documents."""
    rng = random.Random(2026)
    _first_monday, start, _end = resolution.week_window(now)

    def ended_in(week: int) -> datetime:
        return min(start + timedelta(weeks=week, hours=rng.uniform(0, 7 * 24)), now)

    requests = []
    for week in range(WEEKS):
        for _n in range(rng.randint(12, 30)):
            quick = rng.random() < 0.2
            took = hours(rng.uniform(2, 30)) if quick else timedelta(days=rng.gauss(5, 0.6))
            kind = rng.choice([INCOMING, OUTGOING])
            requests.append(make_request.build(kind, resolved_at=ended_in(week), took=took))
        # Cesje are rarer: in one week of the quarter none ended.
        for _n in range(0 if week == 4 else rng.randint(1, 6)):
            took = timedelta(days=rng.uniform(3, 24))
            requests.append(make_request.build(CESJA, resolved_at=ended_in(week), took=took))
    Transfer.objects.bulk_create([r for r in requests if isinstance(r, Transfer)])
    Cesja.objects.bulk_create([r for r in requests if isinstance(r, Cesja)])


@pytest.mark.browser
def test_supervisor_page_shows_the_charts_in_a_browser(live_server, page, supervisor, make_request) -> None:
    realistic_weeks(make_request, timezone.now())
    log_in(page, live_server.url, supervisor.username)
    figures = page.locator("#resolution figure.resolution-chart")
    expect(figures).to_have_count(3)
    for kind in (INCOMING, OUTGOING, CESJA):
        expect(page.locator(f"#resolution-{kind} .resolution-chart__plot svg")).to_be_visible()
    # The chart is drawn without any script: pygal's own is stripped.
    assert page.locator("#resolution script").count() == 0
    page.locator("#resolution-cesja summary").click()
    expect(page.locator("#resolution-cesja table tbody tr")).to_have_count(WEEKS)
    # The week without a cesja: no point on the chart, a dash in the table.
    gap = page.locator("#resolution-cesja table tbody tr").nth(4)
    expect(gap.locator("td").first).to_have_text("0")
    page.locator("#resolution").scroll_into_view_if_needed()
    shot(page, "supervisor-resolution")
    page.locator("#resolution").screenshot(path=str(ARTIFACTS / "supervisor-resolution-card.png"))
    # On a phone the chart scrolls sideways inside its card; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#resolution-incoming").screenshot(path=str(ARTIFACTS / "supervisor-resolution-phone.png"))


def test_the_charts_are_drawn_again_only_when_their_cache_runs_out(
    make_request, settings, django_assert_num_queries
) -> None:
    from django.core.cache import cache

    settings.RESOLUTION_CHARTS_CACHE_SECONDS = 300
    cache.clear()
    make_request(INCOMING, resolved_at=timezone.now(), took=hours(3))
    with translation.override("pl"):
        drawn = resolution.resolution_charts()
        with django_assert_num_queries(0):  # kept: no query, nothing drawn
            again = resolution.resolution_charts()
        assert [c.svg for c in again] == [c.svg for c in drawn]
    with translation.override("en"):  # the words of the charts are the reader's
        english = resolution.resolution_charts()
    assert [c.svg for c in english] != [c.svg for c in drawn]
    cache.clear()
