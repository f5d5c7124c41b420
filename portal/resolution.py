"""Time to resolution of customers' requests, week by week, as the supervisor's charts show it.

Customers judge the service by how long they wait, so every way a request can end counts:
completed, rejected, cancelled, expired or failed. A request counts in the week (Monday to
Sunday in the site's time zone) in which it ended.

Percentiles use the "inclusive" definition of ``statistics.quantiles``: linear interpolation
between the two nearest ranks at position (n - 1) * p of the sorted sample, the same as
numpy's default and Excel's PERCENTILE.INC; the median is the same definition's 50th
percentile. A week with one request has that request's time as both its median and its 90th
percentile.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pygal
from django.conf import settings
from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from pygal.style import Style

from assignments.models import Cesja
from transfers.models import Direction, Transfer

WEEKS = 12

INCOMING = "incoming"
OUTGOING = "outgoing"
CESJA = "cesja"

KINDS: dict[str, Promise] = {
    INCOMING: _("Incoming transfers"),
    OUTGOING: _("Outgoing transfers"),
    CESJA: _("Cesje (change of registrant)"),
}


@dataclass(frozen=True)
class WeekTimes:
    monday: date
    count: int
    median: timedelta | None
    p90: timedelta | None

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def label(self) -> str:
        year, week, _weekday = self.monday.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def axis_label(self) -> str:
        """The week as the chart's axis names it: its Monday, day and month in words."""
        return formats.date_format(self.monday, "MONTH_DAY_FORMAT")


@dataclass(frozen=True)
class ResolutionTimes:
    kind: str
    label: str | Promise
    weeks: list[WeekTimes]

    @property
    def resolved(self) -> int:
        return sum(week.count for week in self.weeks)

    @property
    def longest_p90(self) -> timedelta | None:
        return max((week.p90 for week in self.weeks if week.p90 is not None), default=None)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0 < fraction < 1, in hundredths) quantile of a non-empty sample."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        # statistics.quantiles wants two points before Python 3.13; one point is its own quantile.
        return float(values[0])
    hundredths = round(fraction * 100)
    return statistics.quantiles(values, n=100, method="inclusive")[hundredths - 1]


def week_window(now: datetime | None = None, weeks: int = WEEKS) -> tuple[date, datetime, datetime]:
    """The first Monday of the window and the window's bounds: from that Monday's midnight up
    to (not including) the midnight that starts next week, so the current week is the last."""
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now or timezone.now(), zone).date()
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.combine(first_monday, time.min), zone)
    end = timezone.make_aware(datetime.combine(this_monday + timedelta(weeks=1), time.min), zone)
    return first_monday, start, end


def _week_times(monday: date, seconds: list[float]) -> WeekTimes:
    if not seconds:
        return WeekTimes(monday=monday, count=0, median=None, p90=None)
    return WeekTimes(
        monday=monday,
        count=len(seconds),
        median=timedelta(seconds=statistics.median(seconds)),
        p90=timedelta(seconds=percentile(seconds, 0.9)),
    )


def resolution_times(now: datetime | None = None, weeks: int = WEEKS) -> list[ResolutionTimes]:
    """Per request type (incoming, outgoing transfers, cesje) and per week of the last ``weeks``
    (the current one included): how many requests ended, their median and 90th percentile time.

    Two queries, whatever the number of requests: one for transfers, one for cesje.
    """
    first_monday, start, end = week_window(now, weeks)
    zone = timezone.get_default_timezone()
    samples: dict[str, list[list[float]]] = {kind: [[] for _week in range(weeks)] for kind in KINDS}

    def add(kind: str, created_at: datetime, resolved_at: datetime) -> None:
        week = (timezone.localtime(resolved_at, zone).date() - first_monday).days // 7
        # A request can only be seen as resolved before it was made through a clock error.
        samples[kind][week].append(max((resolved_at - created_at).total_seconds(), 0.0))

    in_window = {"resolved_at__gte": start, "resolved_at__lt": end}
    transfer_kinds = {Direction.INCOMING: INCOMING, Direction.OUTGOING: OUTGOING}
    transfers = (
        Transfer.objects.filter(**in_window)
        .order_by()
        .values_list("direction", "created_at", "resolved_at")
        .iterator(chunk_size=5000)
    )
    for direction, created_at, resolved_at in transfers:
        if direction in transfer_kinds:
            add(transfer_kinds[direction], created_at, resolved_at)
    cesje = (
        Cesja.objects.filter(**in_window)
        .order_by()
        .values_list("created_at", "resolved_at")
        .iterator(chunk_size=5000)
    )
    for created_at, resolved_at in cesje:
        add(CESJA, created_at, resolved_at)

    return [
        ResolutionTimes(
            kind=kind,
            label=label,
            weeks=[
                _week_times(first_monday + timedelta(weeks=index), seconds)
                for index, seconds in enumerate(samples[kind])
            ],
        )
        for kind, label in KINDS.items()
    ]


# --- charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    seconds: int
    name: Promise
    symbol: Promise
    # Whole, so that a language that inflects the unit after "in" can do so.
    in_words: Promise


HOURS = Unit(3600, _("hours"), pgettext_lazy("unit of time", "h"), _("in hours"))
DAYS = Unit(86400, _("days"), pgettext_lazy("unit of time", "d"), _("in days"))
# Up to three days hours read better; beyond, a count of hours is hard to picture.
HOURS_UP_TO = timedelta(days=3)
# With this few weeks drawn, each point carries its value as text: a lone dot on an empty
# chart says nothing until read against the axis. More points would crowd the chart.
PRINT_VALUES_UP_TO = 4
# Room above the highest point for its value and its dot, as a share of that value.
HEADROOM = 1.15

# The site's palette (static/css/app.css): brand blue for the median, a dark amber for the
# 90th percentile, both at least 4.5:1 against white.
CHART_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#17212b",
    foreground_strong="#0b2f50",
    foreground_subtle="#56626f",
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Liberation Sans", "DejaVu Sans", sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    guide_stroke_color="#d9e0e8",
    major_guide_stroke_color="#b9c4d0",
    guide_stroke_dasharray="3,3",
    major_guide_stroke_dasharray="3,3",
    colors=("#0f4c81", "#a35200"),
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    stroke_width="2.5",
    stroke_width_hover="2.5",
    transition="0ms",
)


@dataclass(frozen=True)
class WeekRow:
    week: WeekTimes
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class ResolutionChart:
    times: ResolutionTimes
    unit: Unit
    svg: SafeString

    @property
    def rows(self) -> list[WeekRow]:
        return [
            WeekRow(week=week, median=in_unit(week.median, self.unit), p90=in_unit(week.p90, self.unit))
            for week in self.times.weeks
        ]


def unit_for(times: ResolutionTimes) -> Unit:
    longest = times.longest_p90
    return HOURS if longest is None or longest <= HOURS_UP_TO else DAYS


def in_unit(value: timedelta | None, unit: Unit) -> float | None:
    return None if value is None else value.total_seconds() / unit.seconds


def axis_top(value: float) -> float:
    """A round number at or above ``value``, so that the highest point sits under a labelled line."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if value <= step * power)


# Where a point's value is written: the 90th percentile above its dot, the median below, so
# that the two stay apart when they are close.
_VALUE_OFFSET = {0: 19, 1: -10}


def _for_people(name: str, series_names: list[str], *, label_points: bool = False) -> Callable[[Any], Any]:
    def apply(root: Any) -> Any:
        # pygal writes its configuration into an inline <script> even with no js files; the page
        # runs no chart script, so it would be dead weight.
        for parent in list(root.iter()):
            for child in parent.findall("script"):
                parent.remove(child)
        # Each grid line carries its raw value as a tooltip, unformatted and beside its own label.
        for guides in root.iterfind(".//g[@class='guides']"):
            for child in guides.findall("title"):
                guides.remove(child)
        # pygal names a chart without a drawn title "Pygal"; screen readers read this name.
        root.find("title").text = name
        root.set("role", "img")
        root.set("aria-label", name)

        # Without pygal's script its tooltips never show: a <title> on each point gives the
        # browser's own tooltip instead.
        def points(index: int):
            return root.iterfind(f".//g[@class='series serie-{index} color-{index}']/g[@class='dots']")

        # A week of one request has the same median and 90th percentile: its value is written
        # once, above the point, rather than twice around one dot.
        def week_values(index: int) -> set[tuple[str | None, str | None]]:
            return {
                (dots.findtext("desc[@class='x_label']"), dots.findtext("desc[@class='value']"))
                for dots in points(index)
            }

        medians, p90s = week_values(0), week_values(1)
        for index, series_name in enumerate(series_names):
            for dots in points(index):
                week = dots.find("desc[@class='x_label']")
                value = dots.find("desc[@class='value']")
                if week is None or value is None:
                    continue
                title = dots.makeelement("title", {})
                title.text = f"{week.text} · {series_name}: {value.text}"
                dots.insert(0, title)
                circle = dots.find("circle")
                shared = (week.text, value.text) in (p90s if index == 0 else medians)
                # One value for both (a week of one request): written once, in the text colour.
                colour = CHART_STYLE.foreground if shared else CHART_STYLE.colors[index]
                same_as_p90 = shared and index == 0
                if label_points and circle is not None and not same_as_p90:
                    text = dots.makeelement(
                        "text",
                        {
                            "x": circle.get("cx"),
                            "y": str(float(circle.get("cy")) + _VALUE_OFFSET.get(index, -10)),
                            "class": "point-value",
                            "text-anchor": "middle",
                            "style": f"fill: {colour}",
                            "font-size": "13",
                        },
                    )
                    text.text = value.text
                    dots.append(text)
        return root

    return apply


def render_chart(times: ResolutionTimes, unit: Unit | None = None) -> ResolutionChart:
    unit = unit or unit_for(times)
    symbol = str(unit.symbol)
    longest = times.longest_p90

    def point(value: float | None) -> str:
        return "" if value is None else f"{number_format(value, 1)} {symbol}"

    def tick(value: float) -> str:
        return number_format(value, 0 if value == int(value) else 1)

    chart = pygal.Line(
        js=[],
        disable_xml_declaration=True,
        style=CHART_STYLE,
        width=1080,
        height=280,
        margin=10,
        margin_right=60,
        spacing=12,
        show_legend=False,
        y_title=str(unit.name).capitalize(),
        x_title=gettext("Week (from its Monday)"),
        x_labels=[week.axis_label for week in times.weeks],
        x_label_rotation=30,
        range=(0, axis_top((in_unit(longest, unit) or 0) * HEADROOM)),
        # pygal's default of up to 16 grid lines crowds a 280-pixel high chart.
        max_scale=8,
        allow_interruptions=True,
        include_x_axis=True,
        show_x_guides=False,
        dots_size=4,
        truncate_label=-1,
        value_formatter=tick,
        formatter=point,
        no_data_text=gettext("No request ended"),
    )
    series = [
        (gettext("Median"), [in_unit(week.median, unit) for week in times.weeks], {}),
        (
            gettext("90th percentile"),
            [in_unit(week.p90, unit) for week in times.weeks],
            {"stroke_style": {"dasharray": "7,5"}},
        ),
    ]
    for title, values, options in series:
        chart.add(title, values, **options)
    name = gettext("%(kind)s: time to resolution by week, %(unit)s") % {
        "kind": times.label,
        "unit": unit.in_words,
    }
    few = sum(1 for week in times.weeks if week.count) <= PRINT_VALUES_UP_TO
    chart.add_xml_filter(_for_people(name, [title for title, _values, _options in series], label_points=few))
    # pygal escapes every text it writes: the labels and names above reach the page as text.
    return ResolutionChart(times=times, unit=unit, svg=mark_safe(chart.render(is_unicode=True)))  # noqa: S308


def resolution_charts(now: datetime | None = None, weeks: int = WEEKS) -> list[ResolutionChart]:
    """The supervisor's charts. Weeks of history change slowly and drawing them costs more than
    the rest of the page: they are kept ``RESOLUTION_CHARTS_CACHE_SECONDS`` per language."""
    seconds = settings.RESOLUTION_CHARTS_CACHE_SECONDS
    if now is not None or not seconds:
        return [render_chart(times) for times in resolution_times(now, weeks)]
    key = f"resolution-charts:{get_language()}:{weeks}"
    charts = cache.get(key)
    if charts is None:
        charts = [render_chart(times) for times in resolution_times(None, weeks)]
        cache.set(key, charts, seconds)
    return charts
