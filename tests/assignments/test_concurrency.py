"""Two members of staff approve the same cesja at the same moment: one approval, one
event, one execution at the registry.

Run on whatever database the suite runs on: PostgreSQL's row locks decide the race there;
SQLite serialises writers, and the same assertions hold.
"""

from __future__ import annotations

from assignments.models import State
from assignments.services import approve_cesja
from tests.steps import race
from workflows.models import Channel, EventType
from workflows.roles import Team

from .helpers import events, ready_for_approval, wait_state


def test_two_staff_approve_at_once(
    cesja_world, cesja_jobs, customer_a, registrant_a, organisation_a, staff_user, domains_staff
):
    domain = cesja_world.domain(registrant_a)
    cesja = ready_for_approval(domain, customer_a, registrant_a, organisation_a, domains_staff[0])
    updates = cesja_world.handled("domain:update")

    results = race(
        [lambda who=who: approve_cesja(cesja=cesja, actor=who, channel=Channel.WEB) for who in domains_staff]
    )

    assert [r for r in results if r[0] == "error"] == []
    assert len([r for r in results if r[0] == "won"]) == 1
    [conflict] = [r[1] for r in results if r[0] == "conflict"]
    assert "already moved on" in conflict
    final = wait_state(cesja_jobs, cesja, State.COMPLETED)
    approvals = events(final, EventType.CESJA_STATE_CHANGED).filter(changes__state__1="executing")
    assert approvals.count() == 1 and final.approvals.count() == 1
    # The registrant changed, then every earlier code unset (RFC 9154), each once.
    cesja_jobs.wait_for(lambda: cesja_world.handled("domain:update") >= updates + 1 + 1)
    assert cesja_world.handled("domain:update") == updates + 1 + 1
    assert events(final, EventType.CESJA_REGISTRY_STEP).filter(data__command="domain:update").count() == 1
    assert (
        cesja_world.registry_registrant(domain.name)
        == organisation_a.__class__.objects.get(pk=organisation_a.pk).registry_handle
    )


def test_two_second_approvers_of_a_four_eyes_cesja_at_once(
    cesja_world, cesja_jobs, customer_a, registrant_a, organisation_a, staff_user, domains_staff
):
    from assignments.models import CesjaPolicy

    domain = cesja_world.domain(registrant_a)
    CesjaPolicy.objects.filter(pk=CesjaPolicy.current().pk).update(second_approval_domains=[domain.name])
    cesja = ready_for_approval(domain, customer_a, registrant_a, organisation_a, domains_staff[0])
    first = approve_cesja(cesja=cesja, actor=domains_staff[0], channel=Channel.WEB)
    assert first.state == State.AWAITING_SECOND_APPROVAL
    second_pair = [domains_staff[1], staff_user(Team.DOMAINS)]
    updates = cesja_world.handled("domain:update")

    results = race(
        [lambda who=who: approve_cesja(cesja=cesja, actor=who, channel=Channel.WEB) for who in second_pair]
    )

    # One second approval wins; the other hears who was first; nobody gets an error.
    assert [r for r in results if r[0] == "error"] == []
    assert len([r for r in results if r[0] == "won"]) == 1
    [conflict] = [r[1] for r in results if r[0] == "conflict"]
    assert "already moved on" in conflict
    final = wait_state(cesja_jobs, cesja, State.COMPLETED)
    assert final.approvals.count() == 2
    # The registrant changed, then every earlier code unset (RFC 9154), each once.
    cesja_jobs.wait_for(lambda: cesja_world.handled("domain:update") >= updates + 1 + 1)
    assert cesja_world.handled("domain:update") == updates + 1 + 1
    assert events(final, EventType.CESJA_REGISTRY_STEP).filter(data__command="domain:update").count() == 1
