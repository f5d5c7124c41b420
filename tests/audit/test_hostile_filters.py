"""No filter of a queue or a search answers with a server error, whatever is typed into it or
put into the address: huge numbers, dates at the calendar's ends, text where a number goes,
control characters. Property tests: hypothesis makes the values."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.forms import HistorySearchForm, RequestSearchForm
from portal.forms import QueueFilterForm
from workflows.roles import Team

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["9999-12-31", "0001-01-01", "800000", "-1", "1e309", "NaN", "\x00", "' OR 1=1 --"]),
)
RUNS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _query(fields, values) -> str:
    # NUL cannot travel in a URL's query as the browser sends it; any other character can.
    return urlencode({name: value.replace("\x00", "") for name, value in zip(fields, values, strict=True)})


QUEUE_FIELDS = [*QueueFilterForm.base_fields, "page"]
SEARCH_FIELDS = [*RequestSearchForm.base_fields, "page"]
HISTORY_FIELDS = [*HistorySearchForm.base_fields, "page"]


@pytest.fixture
def staff_client(staff_user, client_for):
    return client_for(staff_user(Team.DOMAINS))


@pytest.fixture
def supervisor_client(supervisor, client_for):
    return client_for(supervisor)


@pytest.fixture
def auditor_client(auditor, client_for):
    return client_for(auditor)


def test_the_queue_older_than_a_calendar_is_not_an_error(staff_client) -> None:
    # Seen: 800000 days answered 500 (OverflowError).
    page = staff_client.get(reverse("home") + "?older_than=800000")
    assert page.status_code == 200
    assert "800000" in page.content.decode()


@RUNS
@given(values=st.lists(HOSTILE, min_size=len(QUEUE_FIELDS), max_size=len(QUEUE_FIELDS)))
def test_queue_filters(staff_client, supervisor_client, values) -> None:
    query = _query(QUEUE_FIELDS, values)
    for client in (staff_client, supervisor_client):
        assert client.get(reverse("home") + "?" + query).status_code < 500, query


@RUNS
@given(values=st.lists(HOSTILE, min_size=len(SEARCH_FIELDS), max_size=len(SEARCH_FIELDS)))
def test_request_search_and_its_exports(auditor_client, values) -> None:
    query = _query(SEARCH_FIELDS, values)
    for name in ("audit:search", "audit:search_csv"):
        assert auditor_client.get(reverse(name) + "?" + query).status_code < 500, (name, query)


@RUNS
@given(values=st.lists(HOSTILE, min_size=len(HISTORY_FIELDS), max_size=len(HISTORY_FIELDS)))
def test_history_search_and_its_export(auditor_client, values) -> None:
    query = _query(HISTORY_FIELDS, values)
    for name in ("audit:history_search", "audit:history_export"):
        assert auditor_client.get(reverse(name) + "?" + query).status_code < 500, (name, query)


def test_a_search_to_the_last_day_of_the_calendar_is_refused_in_words(auditor_client) -> None:
    page = auditor_client.get(reverse("audit:search") + "?date_to=9999-12-31")
    assert page.status_code == 200
    assert "2099-12-31" in page.content.decode() or "2099" in page.content.decode()
