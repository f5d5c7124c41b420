"""A session ends after inactivity, and a page costs no session write: its expiry moves at most
every SESSION_REFRESH_EVERY seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def session_writes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_pages_do_not_write_the_session_until_it_is_time_to_move_its_expiry(client, customer_a, settings):
    client.force_login(customer_a)
    home = reverse("home")
    session_writes(client, home)  # the first page after the login notes when it was refreshed
    first = session_row(client).expire_date
    assert [session_writes(client, home) for _ in range(3)] == [0, 0, 0]
    assert session_row(client).expire_date == first

    # Later than SESSION_REFRESH_EVERY: the next page moves the expiry forward, once.
    store = client.session
    store["_refreshed_at"] -= settings.SESSION_REFRESH_EVERY + 1
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=first - timedelta(minutes=10))
    assert session_writes(client, home) == 1
    assert session_row(client).expire_date > first - timedelta(minutes=10)
    assert session_writes(client, home) == 0


def test_an_inactive_session_has_ended(client, customer_a):
    client.force_login(customer_a)
    client.get(reverse("home"))
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
