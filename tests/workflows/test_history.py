"""The history log: append-only, chained, and checked by verify_history."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.models import User
from workflows.guard import history_guard_lifted
from workflows.history import diff, iter_chain_problems, record_event
from workflows.models import GENESIS_HASH, Channel, EventType, HistoryEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return User.objects.create_user("ewa.staff", password="x", role="staff", team="domains")


def _three_events(actor):
    return [
        record_event(
            event_type=EventType.DOMAIN_UPDATED,
            summary=f"change {i}",
            actor=actor,
            channel=Channel.PHONE,
            domain_name="example.pl",
            reason="customer asked",
            changes={"statuses": [["ok"], ["clientTransferProhibited"]]},
        )
        for i in range(3)
    ]


def test_events_chain_to_their_predecessor(actor):
    events = _three_events(actor)
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert list(iter_chain_problems()) == []
    stored = HistoryEvent.objects.get(pk=events[1].pk)
    assert stored.actor_label == "ewa.staff (staff)"
    assert stored.channel == "phone"
    assert stored.compute_hash() == stored.hash


def test_events_cannot_be_changed_or_deleted_through_the_orm(actor):
    event = _three_events(actor)[0]
    event.summary = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        HistoryEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(PermissionError):
        HistoryEvent.objects.all().delete()
    assert HistoryEvent.objects.get(pk=event.pk).summary == "change 0"


def test_an_event_without_actor_must_be_a_system_event():
    with pytest.raises(ValueError, match="system channel"):
        record_event(event_type=EventType.DOMAIN_SYNCED, summary="x", channel=Channel.WEB)


def test_verify_history_names_the_first_broken_link_after_a_one_byte_change(actor, capsys):
    events = _three_events(actor)
    call_command("verify_history")
    assert "3 events" in capsys.readouterr().out
    table = HistoryEvent._meta.db_table
    update = f"UPDATE {table} SET reason = %s WHERE id = %s"  # noqa: S608
    # The database itself refuses the change...
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(update, ["customer askeD", events[1].pk])
    # ...so the tamperer needs the table owner's DDL to get past it: flip one character of the reason.
    with history_guard_lifted(), connection.cursor() as cursor:
        cursor.execute(update, ["customer askeD", events[1].pk])
    assert HistoryEvent.objects.get(pk=events[1].pk).reason == "customer askeD"
    with pytest.raises(CommandError, match=f"event {events[1].pk}: its content does not match"):
        call_command("verify_history")


def test_a_removed_event_breaks_the_link_of_the_next(actor):
    events = _three_events(actor)
    table = HistoryEvent._meta.db_table
    with history_guard_lifted(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[1].pk])  # noqa: S608
    problems = list(iter_chain_problems())
    assert problems[0].event_id == events[2].pk
    assert "does not link" in problems[0].problem


def test_diff_lists_only_changed_fields():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_a_person_without_an_account_is_named_by_the_label_given():
    event = record_event(
        event_type=EventType.DOMAIN_UPDATED,
        summary="confirmed",
        actor_label="registrant <jan@example.pl> (confirmation link)",
        channel=Channel.WEB,
    )
    stored = HistoryEvent.objects.get(pk=event.pk)
    assert stored.actor_id is None
    assert stored.actor_label == "registrant <jan@example.pl> (confirmation link)"
    assert stored.channel == "web"
    assert list(iter_chain_problems()) == []
