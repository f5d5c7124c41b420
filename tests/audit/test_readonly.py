"""An auditor can change nothing, anywhere: every URL of the project, every method that
could write, and the database is the same afterwards, row for row.

The only writes an auditor may cause are about themselves and are asserted exactly:
switching the panel language (their own ``language`` column and one "language changed"
event) and logging out (one "logged out" event, their session row removed)."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.urls import reverse

from workflows.models import EventType, HistoryChainHead, HistoryEvent

from .test_matrix import MATRIX
from .urlcatalog import all_routes, build_url

pytestmark = pytest.mark.django_db(transaction=True)

# The auditor's own writes, tested one by one below rather than in the sweep.
OWN_WRITES = {"logout", "switch_language"}
# Fields a form of the project might read; the sweep sends them all, so that a view that
# wrongly let an auditor through would have something to act on.
PAYLOAD = {
    "reason": "audit sweep",
    "note": "audit sweep",
    "message": "audit sweep",
    "language": "en",
    "next": "/",
    "checked": "on",
    "item": "both_signed",
    "kind": "signed_form",
    "channel": "post",
    "received_on": "2026-01-01",
    "authinfo": "Audit-Sweep-1",
    "code": "Audit-Sweep-1",
    "name": "audit-sweep.pl",
    "locked": "on",
    "confirm": "on",
    "action": "approve",
}


def snapshot() -> dict[str, tuple[int, str]]:
    """Every table: its row count and a SHA-256 of all its rows in key order."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            rows = cursor.fetchall()
            result[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result


def heads() -> list[tuple]:
    return list(HistoryChainHead.objects.order_by("chain").values_list("chain", "seq", "last_hash"))


def changed(before: dict, after: dict) -> dict[str, tuple]:
    return {
        table: (before.get(table), after.get(table))
        for table in after
        if before.get(table) != after.get(table)
    }


def test_an_auditor_changes_nothing_with_any_method_on_any_url(audit_world, client_for, auditor) -> None:
    client = client_for(auditor)
    client.get(reverse("home"))  # the session is settled before the first snapshot
    before = snapshot()
    heads_before = heads()
    tried = 0
    for route in all_routes():
        if route.name in OWN_WRITES:
            continue
        pk_source = MATRIX.get(route.name, ("transfer", ""))[0] or "transfer"
        url = build_url(route, audit_world, pk_source)
        for method in (client.post, client.put, client.patch, client.delete):
            response = method(url, PAYLOAD) if method == client.post else method(url)
            assert response.status_code < 500, (
                route.name,
                method.__name__,
                response.status_code,
            )
            tried += 1
    assert tried > 200
    after = snapshot()
    # The auditor's own session row may be rewritten (a flash message, the admin login form's
    # test cookie); no session is added or removed, and nothing else changes at all.
    assert changed(before, after).keys() <= {"django_session"}
    assert after["django_session"][0] == before["django_session"][0] == 1
    assert heads() == heads_before


def test_the_auditors_own_language_switch_writes_only_their_language_and_one_event(
    audit_world, client_for, auditor
) -> None:
    client = client_for(auditor)
    client.get(reverse("home"))
    before = snapshot()
    last_event = HistoryEvent.objects.order_by("-id").first().pk
    response = client.post(reverse("switch_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    # the language is the account's; the session is not written (its expiry moves only every
    # few minutes: accounts.middleware.SessionKeepAliveMiddleware)
    assert set(changed(before, snapshot())) == {
        "accounts_user",
        "workflows_historyevent",
        "workflows_historychainhead",
    }
    new = list(HistoryEvent.objects.filter(pk__gt=last_event))
    assert [(e.event_type, e.actor_id) for e in new] == [(EventType.USER_LANGUAGE_CHANGED, auditor.pk)]
    auditor.refresh_from_db()
    assert auditor.language == "en"


def test_the_auditors_logout_writes_only_the_logout_event(audit_world, client_for, auditor) -> None:
    client = client_for(auditor)
    client.get(reverse("home"))
    before = snapshot()
    last_event = HistoryEvent.objects.order_by("-id").first().pk
    assert client.post(reverse("logout")).status_code == 302
    # axes notes the logout time on the auditor's access log row.
    assert set(changed(before, snapshot())) == {
        "workflows_historyevent",
        "workflows_historychainhead",
        "django_session",
        "axes_accesslog",
    }
    new = list(HistoryEvent.objects.filter(pk__gt=last_event))
    assert [(e.event_type, e.actor_id) for e in new] == [(EventType.USER_LOGGED_OUT, auditor.pk)]


def test_an_auditor_has_no_admin(client_for, auditor) -> None:
    response = client_for(auditor).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
