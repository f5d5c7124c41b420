"""The history log: append-only, one hash chain per case, signed checkpoints, and
verify_history naming every kind of tampering by event, chain and checkpoint."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import User
from workflows.checkpoints import checkpoint_all, signature, write_checkpoint
from workflows.guard import history_guard_lifted
from workflows.history import SYSTEM_CHAINS, chain_key, diff, iter_chain_problems, record_event
from workflows.models import (
    GENESIS_HASH,
    Channel,
    EventType,
    HistoryChainHead,
    HistoryCheckpoint,
    HistoryEvent,
)

pytestmark = pytest.mark.django_db

TABLE = connection.ops.quote_name(HistoryEvent._meta.db_table)
HEADS = connection.ops.quote_name(HistoryChainHead._meta.db_table)
CHECKPOINTS = connection.ops.quote_name(HistoryCheckpoint._meta.db_table)


@pytest.fixture
def actor():
    return User.objects.create_user("ewa.staff", password="x", role="staff", team="domains")


@pytest.fixture
def case():
    """Any row can be an event's subject; a customer's account will do for a case."""
    return User.objects.create_user("jan.kowalski", password="x", role="customer")


def _event(actor, subject, i: int) -> HistoryEvent:
    return record_event(
        event_type=EventType.DOMAIN_UPDATED,
        summary=f"change {i}",
        actor=actor,
        channel=Channel.PHONE,
        subject=subject,
        domain_name="example.pl",
        reason="customer asked",
        changes={"statuses": [["ok"], ["clientTransferProhibited"]]},
    )


def _three_events(actor, subject=None):
    return [_event(actor, subject, i) for i in range(3)]


def _raw(sql: str, params: list | None = None) -> None:
    """What a tamperer with the table owner's rights can do: lift the guard and write."""
    with history_guard_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def _verify_fails(match: str) -> None:
    with pytest.raises(CommandError, match=match):
        call_command("verify_history")


def test_events_chain_to_their_predecessor_in_their_case(actor, case):
    events = _three_events(actor, case)
    chain = f"accounts.user:{case.pk}"
    assert [(e.chain, e.seq) for e in events] == [(chain, 1), (chain, 2), (chain, 3)]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    head = HistoryChainHead.objects.get(chain=chain)
    assert (head.seq, head.last_hash, head.last_event_id) == (3, events[2].hash, events[2].pk)
    assert list(iter_chain_problems()) == []
    stored = HistoryEvent.objects.get(pk=events[1].pk)
    assert stored.actor_label == "ewa.staff (staff)"
    assert stored.channel == "phone"
    assert (stored.chain, stored.seq) == (chain, 2)
    assert stored.compute_hash() == stored.hash


def test_each_case_has_a_chain_of_its_own(actor, case):
    other = User.objects.create_user("anna.nowak", password="x", role="customer")
    written = [_event(actor, subject, i) for i, subject in enumerate([case, other, case, other, case])]
    mine = [e for e in written if e.subject_id == str(case.pk)]
    theirs = [e for e in written if e.subject_id == str(other.pk)]
    assert [e.seq for e in mine] == [1, 2, 3]
    assert [e.seq for e in theirs] == [1, 2]
    assert theirs[0].prev_hash == GENESIS_HASH
    assert mine[1].prev_hash == mine[0].hash and theirs[1].prev_hash == theirs[0].hash
    assert HistoryChainHead.objects.get(chain=f"accounts.user:{other.pk}").seq == 2
    assert list(iter_chain_problems()) == []


def test_an_event_without_a_subject_joins_its_actors_chain_or_a_system_chain(actor):
    by_actor = record_event(event_type=EventType.USER_LOGGED_IN, summary="in", actor=actor)
    by_system = record_event(event_type=EventType.DOMAIN_SYNCED, summary="sync", channel=Channel.SYSTEM)
    assert by_actor.chain == f"actor:{actor.pk}"
    assert by_system.chain.startswith("system:")
    assert 0 <= int(by_system.chain.removeprefix("system:")) < SYSTEM_CHAINS
    user_type = ContentType.objects.get_for_model(User)
    assert chain_key(subject_type=user_type, subject_id="7", actor_id=3, label="x") == "accounts.user:7"
    assert list(iter_chain_problems()) == []


def test_one_event_costs_few_statements(actor, case):
    _event(actor, case, 0)  # the chain's head exists; the content type is cached
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _event(actor, case, 1)
    # PostgreSQL: the head's upsert, then the event's INSERT with the head's UPDATE in one statement.
    assert len(queries) <= (2 if connection.vendor == "postgresql" else 3), [q["sql"] for q in queries]
    assert not any("SAVEPOINT" in q["sql"] for q in queries)


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


# --- the four tamperings with events -------------------------------------------------------


def test_verify_history_names_the_event_and_chain_after_a_one_byte_change(actor, case, capsys):
    events = _three_events(actor, case)
    call_command("verify_history")
    assert "3 events in 1 chains" in capsys.readouterr().out
    update = f"UPDATE {TABLE} SET reason = %s WHERE id = %s"  # noqa: S608
    # The database itself refuses the change...
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(update, ["customer askeD", events[1].pk])
    # ...so the tamperer needs the table owner's DDL to get past it: flip one character of the reason.
    _raw(update, ["customer askeD", events[1].pk])
    assert HistoryEvent.objects.get(pk=events[1].pk).reason == "customer askeD"
    _verify_fails(f"chain accounts.user:{case.pk} broken at event {events[1].pk}: its content does not match")


def test_an_event_removed_from_the_middle_of_a_chain_is_named_by_the_next(actor, case):
    events = _three_events(actor, case)
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[1].pk])  # noqa: S608
    problems = list(iter_chain_problems())
    assert {(p.event_id, p.chain) for p in problems} == {(events[2].pk, events[2].chain)}
    assert "missing (place 2)" in problems[0].problem
    assert "does not link" in problems[1].problem
    _verify_fails(f"broken at event {events[2].pk}: the events before it in its chain are missing")


def test_the_newest_event_removed_is_named_by_its_chain_head(actor, case):
    events = _three_events(actor, case)
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])  # noqa: S608
    [problem] = iter_chain_problems()
    assert (problem.event_id, problem.chain) == (events[2].pk, events[2].chain)
    assert problem.problem == "the newest events of its chain are missing (place 3)"


def test_the_newest_event_removed_and_the_head_rewound_is_named_by_the_checkpoint(actor, case):
    events = _three_events(actor, case)
    checkpoint = write_checkpoint()
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])  # noqa: S608
    # The head row is not guarded (every event moves it): a careful tamperer rewinds it too.
    _raw(
        f"UPDATE {HEADS} SET seq = 2, last_hash = %s, last_event_id = %s WHERE chain = %s",  # noqa: S608
        [events[1].hash, events[1].pk, events[1].chain],
    )
    [problem] = iter_chain_problems()
    assert (problem.event_id, problem.chain, problem.checkpoint_id) == (
        events[2].pk,
        events[2].chain,
        checkpoint.pk,
    )
    assert f"checkpoint {checkpoint.pk} recorded are missing (place 3)" in problem.problem


def test_a_reordered_pair_is_named(actor, case):
    events = _three_events(actor, case)
    # The first two swap places (through a free place: one event per place).
    _raw(f"UPDATE {TABLE} SET seq = 99 WHERE id = %s", [events[0].pk])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET seq = 1 WHERE id = %s", [events[1].pk])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET seq = 2 WHERE id = %s", [events[0].pk])  # noqa: S608
    problems = list(iter_chain_problems())
    assert problems[0].event_id == events[1].pk
    assert problems[0].chain == events[1].chain
    assert "does not link" in problems[0].problem
    assert f"was written before event {events[1].pk}" in " ".join(
        p.problem for p in problems if p.event_id == events[0].pk
    )


def test_a_reordered_pair_keeping_its_places_is_named_by_its_ids(actor, case):
    events = _three_events(actor, case)
    # The rows keep their places and links but trade ids, so the log's order says otherwise.
    first, second = events[0].pk, events[1].pk
    _raw(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [10_000, first])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [first, second])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [second, 10_000])  # noqa: S608
    [problem] = iter_chain_problems()
    assert (problem.event_id, problem.chain) == (first, events[0].chain)
    assert problem.problem.startswith(f"was written before event {second}")


def _forged(template: HistoryEvent, *, seq: int, prev_hash: str, chain: str | None = None) -> HistoryEvent:
    """An event a tamperer who knows the hashing writes straight into the table."""
    forged = HistoryEvent(
        occurred_at=template.occurred_at,
        actor_id=template.actor_id,
        actor_label=template.actor_label,
        channel=template.channel,
        event_type=template.event_type,
        subject_type_id=template.subject_type_id,
        subject_id=template.subject_id,
        domain_name=template.domain_name,
        summary="a step that never happened",
        chain=chain or template.chain,
        seq=seq,
        prev_hash=prev_hash,
    )
    forged.hash = forged.compute_hash()
    forged.save(force_insert=True)  # an INSERT: the guard refuses changes, not new rows
    return forged


def test_an_event_inserted_in_the_middle_is_named(actor, case):
    events = _three_events(actor, case)
    # Make room after the first event, then insert a well-formed event linked to it.
    _raw(f"UPDATE {TABLE} SET seq = 4 WHERE id = %s", [events[2].pk])  # noqa: S608
    _raw(f"UPDATE {TABLE} SET seq = 3 WHERE id = %s", [events[1].pk])  # noqa: S608
    forged = _forged(events[0], seq=2, prev_hash=events[0].hash)
    problems = list(iter_chain_problems())
    assert {p.chain for p in problems} == {events[0].chain}
    named = [p for p in problems if p.event_id == events[1].pk]
    assert "does not link" in named[0].problem
    assert any(f"was written before event {forged.pk}" in p.problem for p in named)


def test_an_event_appended_past_the_chain_head_is_named(actor, case):
    events = _three_events(actor, case)
    forged = _forged(events[2], seq=4, prev_hash=events[2].hash)
    [problem] = iter_chain_problems()
    assert (problem.event_id, problem.chain) == (forged.pk, forged.chain)
    assert "beyond its chain's head" in problem.problem


def test_an_event_in_a_chain_of_its_own_is_named(actor, case):
    events = _three_events(actor, case)
    forged = _forged(events[0], seq=1, prev_hash=GENESIS_HASH, chain="accounts.user:999999")
    [problem] = iter_chain_problems()
    assert (problem.event_id, problem.chain) == (forged.pk, "accounts.user:999999")
    _verify_fails(f"chain accounts.user:999999 broken at event {forged.pk}: lies beyond its chain's head")


def test_a_chain_rewritten_with_fresh_hashes_is_caught_by_the_checkpoint(actor, case):
    events = _three_events(actor, case)
    checkpoint = write_checkpoint()
    # The tamperer changes the second event and recomputes every hash after it, and the head.
    chained = list(HistoryEvent.objects.filter(chain=events[0].chain).order_by("seq"))
    chained[1].reason = "never asked"
    for before, event in zip(chained, chained[1:], strict=False):
        event.prev_hash = before.hash
        event.hash = event.compute_hash()
        _raw(
            f"UPDATE {TABLE} SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
            [event.reason, event.prev_hash, event.hash, event.pk],
        )
    _raw(f"UPDATE {HEADS} SET last_hash = %s WHERE chain = %s", [chained[2].hash, events[0].chain])  # noqa: S608
    [problem] = iter_chain_problems()
    assert (problem.event_id, problem.chain) == (events[2].pk, events[2].chain)
    assert problem.problem == f"is not the event checkpoint {checkpoint.pk} recorded in place 3"


# --- checkpoints ---------------------------------------------------------------------------


def test_a_checkpoint_signs_the_heads_that_moved_since_the_last(actor, case, capsys):
    assert write_checkpoint() is None  # nothing written yet
    events = _three_events(actor, case)
    other = record_event(event_type=EventType.USER_LOGGED_IN, summary="in", actor=actor)
    first = write_checkpoint()
    assert first.heads == sorted(
        [[events[2].chain, 3, events[2].hash, events[2].pk], [other.chain, 1, other.hash, other.pk]]
    )
    assert first.prev_hash == GENESIS_HASH
    assert first.signature == signature(first.hash)
    assert write_checkpoint() is None  # nothing moved since
    later = _event(actor, case, 3)
    call_command("checkpoint_history")
    assert "1 chain heads signed" in capsys.readouterr().out
    second = HistoryCheckpoint.objects.latest("id")
    assert second.heads == [[later.chain, 4, later.hash, later.pk]]
    assert second.prev_hash == first.hash
    call_command("verify_history")
    assert "2 checkpoints" in capsys.readouterr().out


def test_the_checkpoint_round_is_the_task(actor, case):
    from workflows.tasks import checkpoint_history

    _three_events(actor, case)
    assert checkpoint_history() == 1
    assert checkpoint_history() == 0


def test_many_moved_heads_take_several_checkpoints(actor, case):
    subjects = [case, actor, *(User.objects.create_user(f"k{n}", password="x") for n in range(3))]
    for subject in subjects:
        _event(actor, subject, 0)
    written = checkpoint_all(limit=2)
    assert [len(checkpoint.heads) for checkpoint in written] == [2, 2, 1]
    assert written[1].prev_hash == written[0].hash and written[2].prev_hash == written[1].hash
    assert {head[0] for checkpoint in written for head in checkpoint.heads} == {
        f"accounts.user:{subject.pk}" for subject in subjects
    }
    assert checkpoint_all(limit=2) == []
    assert list(iter_chain_problems()) == []


def test_the_database_refuses_to_change_a_checkpoint(actor, case):
    _three_events(actor, case)
    checkpoint = write_checkpoint()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {CHECKPOINTS} WHERE id = %s", [checkpoint.pk])  # noqa: S608


def test_a_tampered_checkpoint_is_named(actor, case):
    events = _three_events(actor, case)
    checkpoint = write_checkpoint()
    heads = HistoryCheckpoint.objects.get(pk=checkpoint.pk).heads
    heads[0][1] = 2  # claims the chain ended at place 2
    _raw(f"UPDATE {CHECKPOINTS} SET heads = %s WHERE id = %s", [_json(heads), checkpoint.pk])  # noqa: S608
    problems = list(iter_chain_problems())
    assert problems[0].checkpoint_id == checkpoint.pk
    assert problems[0].problem == "its content does not match its hash"
    assert events  # the events themselves are intact
    _verify_fails(f"History checkpoint {checkpoint.pk} broken: its content does not match its hash")


def test_a_checkpoint_rehashed_without_the_key_is_named_by_its_signature(actor, case):
    _three_events(actor, case)
    checkpoint = write_checkpoint()
    with override_settings(HISTORY_CHECKPOINT_KEY="a key the tamperer guessed"):
        assert signature(checkpoint.hash) != checkpoint.signature
        forged = signature(checkpoint.hash)
    _raw(f"UPDATE {CHECKPOINTS} SET signature = %s WHERE id = %s", [forged, checkpoint.pk])  # noqa: S608
    [problem] = iter_chain_problems()
    assert problem.checkpoint_id == checkpoint.pk
    assert problem.problem.startswith("its signature does not match")


def test_a_removed_checkpoint_is_named_by_the_next(actor, case):
    _event(actor, case, 0)
    first = write_checkpoint()
    _event(actor, case, 1)
    write_checkpoint()
    _event(actor, case, 2)
    third = write_checkpoint()
    _raw(f"DELETE FROM {CHECKPOINTS} WHERE id = %s", [first.pk + 1])  # noqa: S608
    [problem] = iter_chain_problems()
    assert problem.checkpoint_id == third.pk
    assert "does not link to the checkpoint before it" in problem.problem


def _json(value) -> str:
    import json

    return json.dumps(value)


# --- the legacy chain ------------------------------------------------------------------------


def test_events_of_the_single_chain_era_are_checked_as_the_legacy_chain(actor, case):
    """Events written before there were chains kept their hashes, which do not cover the
    chain and place; the migration numbered them in id order under one head."""
    previous = GENESIS_HASH
    legacy = []
    for place in (1, 2, 3):
        event = HistoryEvent(
            actor=actor,
            actor_label="ewa.staff (staff)",
            channel=Channel.WEB,
            event_type=EventType.DOMAIN_UPDATED,
            summary=f"old change {place}",
            chain="legacy",
            seq=place,
            prev_hash=previous,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        legacy.append(event)
        previous = event.hash
    HistoryChainHead.objects.create(chain="legacy", seq=3, last_hash=previous, last_event_id=legacy[-1].pk)
    # The old hash: the predecessor's hash and the content, with no chain or place in it.
    content = legacy[1].canonical_content()
    assert b'"chain"' not in content and b'"seq"' not in content
    _three_events(actor, case)
    assert list(iter_chain_problems()) == []
    _raw(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["old changE 2", legacy[1].pk])  # noqa: S608
    _verify_fails(f"chain legacy broken at event {legacy[1].pk}: its content does not match")


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
