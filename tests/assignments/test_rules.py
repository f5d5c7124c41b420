"""What may start, what staff must see before approving, corrections, a second pair of
eyes, superseded forms and cancellation."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Registrant
from accounts.services import create_customer_account, record_registrant_change, registrant_snapshot
from assignments.models import CesjaPolicy, DomainDispute, Reason, Side, State
from assignments.services import (
    approve_cesja,
    cancel_cesja,
    claim_invitation,
    current_form,
    join_cesja,
    mask_email,
    reject_cesja,
    request_correction,
    start_cesja,
    submit_signed_document,
    tick_checklist,
    update_party,
)
from documents.models import GeneratedDocument
from registry.models import Registrar
from tests.fixtures.assignments import signed_scan
from transfers.models import Transfer
from workflows.errors import Conflict, Refused
from workflows.models import Channel, EventType

from .helpers import (
    events,
    invitation_token,
    open_tasks,
    prepared_form,
    scan_of_current_form,
    subjects,
    tick_everything,
    wait_state,
)


def own_firm_cesja(customer, person, firm, domains):
    """A person handing their domains to their own new firm: both parties known at once."""
    return start_cesja(
        initiator=customer,
        side=Side.CEDENT,
        domains=domains,
        cedent_registrant=person,
        cesjonariusz_registrant=firm,
        reason=Reason.PERSON_TO_FIRM,
        actor=customer,
        channel=Channel.WEB,
    )


def test_checks_at_the_start(cesja_world, customer_a, registrant_a, organisation_a, registrant_b, customer_b):
    def start(domains, **kwargs):
        options = {
            "initiator": customer_a,
            "side": Side.CEDENT,
            "domains": domains,
            "cedent_registrant": registrant_a,
            "cesjonariusz_registrant": organisation_a,
            "reason": Reason.PERSON_TO_FIRM,
            "actor": customer_a,
            "channel": Channel.WEB,
        }
        return start_cesja(**{**options, **kwargs})

    elsewhere = cesja_world.domain(registrant_a, sponsor=Registrar.objects.get(client_id="nordhost"))
    with pytest.raises(Refused, match="is not held with us"):
        start([elsewhere])
    with pytest.raises(Refused, match="is not held with us"):
        start(["nie-ma-takiej.pl"])
    annas = cesja_world.domain(registrant_b)
    with pytest.raises(Refused, match="is not held by Jan Kowalski"):
        start([annas])
    with pytest.raises(Refused, match="your own registrant profiles"):
        start([annas], initiator=customer_b, actor=customer_b, cedent_registrant=registrant_a)

    in_transfer = cesja_world.domain(registrant_a)
    Transfer.objects.create(
        direction="outgoing",
        domain_name=in_transfer.name,
        tld=in_transfer.tld,
        domain=in_transfer,
        account=customer_a,
        policy=__import__("transfers.policy", fromlist=["TransferPolicy"]).TransferPolicy.current_for(
            in_transfer.tld
        ),
        state="pending",
    )
    with pytest.raises(Refused, match="A transfer of .* is in progress"):
        start([in_transfer])

    disputed = cesja_world.domain(registrant_a)
    dispute = DomainDispute.objects.create(domain=disputed, reference="UDRP D2026-0042")
    with pytest.raises(Refused, match="subject to a dispute"):
        start([disputed])
    dispute.closed_at = timezone.now()
    dispute.save()

    with pytest.raises(Refused, match="Describe the reason"):
        start([disputed], reason=Reason.OTHER)

    # Identifiers with a wrong check digit, saved before the checks existed.
    Registrant.objects.filter(pk=organisation_a.pk).update(nip="7792433528")
    organisation_a.refresh_from_db()
    with pytest.raises(Refused, match="NIP has a wrong check digit"):
        start([disputed])
    Registrant.objects.filter(pk=organisation_a.pk).update(nip="7792433527")
    organisation_a.refresh_from_db()
    Registrant.objects.filter(pk=registrant_a.pk).update(pesel="44051401358")
    registrant_a.refresh_from_db()
    with pytest.raises(Refused, match="PESEL has a wrong check digit"):
        start([disputed])
    Registrant.objects.filter(pk=registrant_a.pk).update(pesel="44051401359")
    registrant_a.refresh_from_db()

    # An organisation that names nobody to sign for it cannot take part.
    organisation_a.representatives.all().delete()
    with pytest.raises(Refused, match="must name the people who represent it"):
        start([disputed])

    assert not GeneratedDocument.objects.exists()
    assert not events_of_any_cesja()

    # A domain in an open cesja cannot start another.
    organisation_a.representatives.create(first_name="Marek", last_name="Wiśniewski", function="Prezes")
    cesja = start([disputed])
    assert cesja.state == State.AWAITING_DOCUMENTS and current_form(cesja).version == 1
    with pytest.raises(Refused, match="already in an open cesja"):
        start([disputed])


def events_of_any_cesja():
    from workflows.models import HistoryEvent

    return HistoryEvent.objects.filter(event_type__startswith="cesja.").exists()


def test_correction_then_a_new_upload_then_rejection(
    cesja_world, customer_a, registrant_a, organisation_a, domains_staff
):
    domain = cesja_world.domain(registrant_a)
    cesja = own_firm_cesja(customer_a, registrant_a, organisation_a, [domain])
    staff = domains_staff[0]
    with pytest.raises(Conflict):
        tick_checklist(cesja=cesja, item="both_signed", checked=True, actor=staff)
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_a
    )

    # Not every item ticked: no approval.
    tick_checklist(cesja=cesja, item="both_signed", checked=True, note="", actor=staff)
    tick_checklist(
        cesja=cesja, item="representation_ok", checked=False, note="brak podpisu prezesa", actor=staff
    )
    with pytest.raises(Refused, match="Tick every checklist item"):
        approve_cesja(cesja=cesja, actor=staff, channel=Channel.WEB)
    with pytest.raises(Refused, match="domains team"):
        approve_cesja(cesja=cesja, actor=customer_a, channel=Channel.WEB)

    what = "The firm's page is not signed by the President of the Board, Marek Wiśniewski."
    with pytest.raises(Refused, match="exactly what"):
        request_correction(cesja=cesja, what_to_fix=" ", actor=staff, channel=Channel.WEB)
    cesja = request_correction(cesja=cesja, what_to_fix=what, actor=staff, channel=Channel.PHONE)
    assert cesja.state == State.CORRECTION_REQUESTED and cesja.correction_request == what
    [mail_subject] = [s for s in subjects(customer_a.email) if "poprawk" in s]
    assert "prosimy o poprawkę" in mail_subject
    from django.core import mail

    assert what in [m for m in mail.outbox if m.subject == mail_subject][0].body
    assert [t.flow_task.name for t in open_tasks(cesja)] == ["await_documents"]

    # The corrected scan starts a new round: the old ticks no longer count.
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_a
    )
    cesja.refresh_from_db()
    assert (
        cesja.state == State.IN_VERIFICATION
        and cesja.verification_round == 2
        and cesja.correction_request == ""
    )
    with pytest.raises(Refused, match="Tick every checklist item"):
        approve_cesja(cesja=cesja, actor=staff, channel=Channel.WEB)
    assert [t.flow_task.name for t in open_tasks(cesja)] == ["verification"]

    with pytest.raises(Refused, match="Say why"):
        reject_cesja(cesja=cesja, reasons=[], actor=staff, channel=Channel.WEB)
    cesja = reject_cesja(
        cesja=cesja,
        reasons=["Podpis nie odpowiada wzorowi.", "Brak pieczęci."],
        actor=staff,
        channel=Channel.WEB,
    )
    assert cesja.state == State.REJECTED and "Brak pieczęci." in cesja.outcome_reason
    rejected = events(cesja, EventType.CESJA_STATE_CHANGED).last()
    assert rejected.reason == cesja.outcome_reason and rejected.actor == staff
    assert any("odrzucona" in s for s in subjects(customer_a.email))
    assert not open_tasks(cesja)
    # The domain is free for a new cesja.
    assert (
        own_firm_cesja(customer_a, registrant_a, organisation_a, [domain]).state == State.AWAITING_DOCUMENTS
    )


def test_a_signed_copy_of_a_superseded_version_is_refused(
    cesja_world, cesja_jobs, customer_a, registrant_a, organisation_a, domains_staff
):
    cesja = own_firm_cesja(customer_a, registrant_a, organisation_a, [cesja_world.domain(registrant_a)])
    first = current_form(cesja)
    submit_signed_document(
        cesja=cesja, uploaded_file=signed_scan(first.number), kind="signed_form", actor=customer_a
    )
    cesja.refresh_from_db()
    assert cesja.state == State.IN_VERIFICATION

    # The firm's address was wrong: corrected, the form is issued again, signatures needed anew.
    second = update_party(
        cesja=cesja,
        side=Side.CESJONARIUSZ,
        registrant_data={"street": "ul. Chlebowa 9"},
        actor=customer_a,
        channel=Channel.WEB,
    )
    cesja.refresh_from_db()
    first.refresh_from_db()
    assert second.version == 2 and first.superseded_by == second and first.superseded_at is not None
    assert cesja.state == State.AWAITING_DOCUMENTS
    assert {f.sha256 for f in GeneratedDocument.objects.for_case(cesja)} == {first.sha256, second.sha256}
    [_v1, v2] = events(cesja, EventType.CESJA_FORM_GENERATED)
    assert v2.data["superseded"] == first.number and v2.changes["state"] == [
        "in_verification",
        "awaiting_documents",
    ]
    assert events(cesja.cesjonariusz, EventType.REGISTRANT_UPDATED).count() == 1

    with pytest.raises(Refused, match="has been replaced by version"):
        submit_signed_document(
            cesja=cesja,
            uploaded_file=signed_scan(first.number),
            kind="signed_form",
            actor=customer_a,
            form_number=first.number,
        )
    with pytest.raises(Refused, match="not a form of this cesja"):
        submit_signed_document(
            cesja=cesja,
            uploaded_file=signed_scan(),
            kind="signed_form",
            actor=customer_a,
            form_number="CES/1999/1/1",
        )
    # The old signed copy does not satisfy the approval either.
    staff = domains_staff[0]
    submit_signed_document(
        cesja=cesja,
        uploaded_file=signed_scan(second.number),
        kind="signed_form",
        actor=customer_a,
        form_number=second.number,
    )
    tick_everything(cesja, staff)
    approved = approve_cesja(cesja=cesja, actor=staff, channel=Channel.WEB)
    assert approved.state in (State.EXECUTING, State.COMPLETED)
    wait_state(cesja_jobs, approved, State.COMPLETED)

    # A profile edit made in the panel (not through the cesja) also issues a new version.
    other = own_firm_cesja(customer_a, registrant_a, organisation_a, [cesja_world.domain(registrant_a)])
    before = registrant_snapshot(registrant_a)
    with transaction.atomic():
        registrant_a.city = "Wieliczka"
        registrant_a.save()
        record_registrant_change(registrant_a, before=before, actor=customer_a, channel=Channel.PHONE)
    assert current_form(other).version == 2
    regenerated = events(other, EventType.CESJA_FORM_GENERATED).last()
    assert regenerated.actor == customer_a and regenerated.channel == Channel.PHONE
    # ...but not that of a cesja already approved.
    assert current_form(approved).version == 2


def test_a_flagged_domain_needs_a_second_and_different_approver(
    cesja_world, cesja_jobs, customer_a, registrant_a, organisation_a, domains_staff
):
    domain = cesja_world.domain(registrant_a)
    policy = CesjaPolicy.current()
    CesjaPolicy.objects.create(
        version=policy.version + 1,
        documents_period=policy.documents_period,
        reminder_days=policy.reminder_days,
        verification_period=policy.verification_period,
        correction_period=policy.correction_period,
        second_approval_domains=[domain.name],
        note="high-value domain",
    )
    cesja = own_firm_cesja(customer_a, registrant_a, organisation_a, [domain])
    assert cesja.policy.version == policy.version + 1
    first, second = domains_staff
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_a
    )
    tick_everything(cesja, first)
    cesja = approve_cesja(cesja=cesja, actor=first, channel=Channel.WEB, note="first look")
    assert cesja.state == State.AWAITING_SECOND_APPROVAL
    [task] = open_tasks(cesja)
    assert task.flow_task.name == "second_verification"
    assert not task.flow_task.can_assign(first, task) and task.flow_task.can_assign(second, task)

    with pytest.raises(Refused, match="another member of staff"):
        approve_cesja(cesja=cesja, actor=first, channel=Channel.WEB)
    # Cancelling is still possible before the last approval.
    assert cesja.can_cancel(customer_a)
    cesja = approve_cesja(cesja=cesja, actor=second, channel=Channel.WEB, note="second look")
    assert cesja.state in (State.EXECUTING, State.COMPLETED)
    assert [a.approved_by for a in cesja.approvals.order_by("id")] == [first, second]
    wait_state(cesja_jobs, cesja, State.COMPLETED)
    approvals = [e for e in events(cesja, EventType.CESJA_STATE_CHANGED) if e.data.get("approval")]
    assert [(e.actor, e.changes["state"][1]) for e in approvals] == [
        (first, "awaiting_second_approval"),
        (second, "executing"),
    ]


def test_either_party_cancels_until_approval(
    cesja_world, cesja_jobs, customer_a, registrant_a, customer_b, llc_b, domains_staff, outsider
):
    def started():
        return start_cesja(
            initiator=customer_a,
            side=Side.CEDENT,
            domains=[cesja_world.domain(registrant_a)],
            cedent_registrant=registrant_a,
            other_party_email=customer_b.email,
            reason=Reason.DOMAIN_SALE,
            actor=customer_a,
            channel=Channel.WEB,
        )

    # The cedent withdraws while the other side has not joined.
    cesja = started()
    with pytest.raises(Refused, match="Only a party"):
        cancel_cesja(cesja=cesja, actor=outsider, channel=Channel.WEB)
    cesja = cancel_cesja(cesja=cesja, actor=customer_a, channel=Channel.WEB, reason="rozmyśliłem się")
    assert cesja.state == State.CANCELLED and not cesja.items.filter(active=True).exists()
    event = events(cesja, EventType.CESJA_STATE_CHANGED).last()
    assert event.reason == "rozmyśliłem się" and event.actor == customer_a
    assert any("anulowana" in s for s in subjects(customer_b.email))
    with pytest.raises(Conflict):
        cancel_cesja(cesja=cesja, actor=customer_b, channel=Channel.WEB)

    # The cesjonariusz withdraws while staff verify.
    from assignments.services import join_cesja

    cesja = join_cesja(cesja=started(), registrant=llc_b, actor=customer_b, channel=Channel.WEB)
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_b
    )
    cesja = cancel_cesja(cesja=cesja, actor=customer_b, channel=Channel.WEB)
    assert cesja.state == State.CANCELLED and events(cesja, EventType.CESJA_STATE_CHANGED).last().reason

    # Once approved, nobody can.
    cesja = join_cesja(cesja=started(), registrant=llc_b, actor=customer_b, channel=Channel.WEB)
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_a
    )
    tick_everything(cesja, domains_staff[0])
    approve_cesja(cesja=cesja, actor=domains_staff[0], channel=Channel.WEB)
    wait_state(cesja_jobs, cesja, State.COMPLETED)
    for who in (customer_a, customer_b, domains_staff[1]):
        with pytest.raises(Conflict, match="can no longer be cancelled|already moved on"):
            cancel_cesja(cesja=cesja, actor=who, channel=Channel.WEB)


def _buyer_profile(account) -> Registrant:
    return Registrant.objects.create(
        account=account,
        kind=Registrant.Kind.PERSON,
        first_name="Ola",
        last_name="Kupiec",
        pesel="02070803628",
        street="ul. Nowa 1",
        postal_code="00-001",
        city="Warszawa",
        email="kupujacy@example.pl",
    )


def test_someone_without_an_account_is_invited_and_joins(cesja_world, customer_a, registrant_a, outsider):
    cesja = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        other_party_email="kupujacy@example.pl",
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    assert cesja.cesjonariusz_account is None and cesja.invited_email == "kupujacy@example.pl"
    token = invitation_token("kupujacy@example.pl")
    assert cesja.invitations.get().token_digest != token

    # Someone else's account (the link was passed on) cannot take the invitation.
    with pytest.raises(Refused, match=r"sent to k\*\*\*@example\.pl"):
        join_cesja(
            cesja=cesja, registrant=_buyer_profile(outsider), actor=outsider, channel=Channel.WEB, token=token
        )
    cesja.refresh_from_db()
    assert cesja.cesjonariusz_account is None and cesja.invitations.get().used_at is None
    assert not events(cesja, EventType.CESJA_PARTY_CHANGED).exists()

    # The buyer creates an account at the invited address (the letter case may differ),
    # makes a profile and follows the link.
    account = create_customer_account(
        username="ola.kupiec",
        email="Kupujacy@Example.PL",
        password="Zakup-Domeny-2026!",
        first_name="Ola",
        last_name="Kupiec",
        language="pl",
        reason="Invited by e-mail.",
    )
    buyer = _buyer_profile(account)
    with pytest.raises(Refused, match="not valid"):
        join_cesja(cesja=cesja, registrant=buyer, actor=account, channel=Channel.WEB, token="zly-token")
    with pytest.raises(Refused, match="Only the invited party"):
        join_cesja(cesja=cesja, registrant=buyer, actor=account, channel=Channel.WEB)
    cesja = join_cesja(cesja=cesja, registrant=buyer, actor=account, channel=Channel.WEB, token=token)
    assert cesja.state == State.AWAITING_DOCUMENTS and cesja.cesjonariusz_account == account
    assert cesja.side_of(account) == Side.CESJONARIUSZ and prepared_form(cesja).version == 1
    claimed = events(cesja, EventType.CESJA_PARTY_CHANGED).get()
    assert claimed.actor == account and token not in str(claimed.data)
    with pytest.raises(Refused, match="already been used"):
        join_cesja(cesja=cesja, registrant=buyer, actor=customer_a, channel=Channel.WEB, token=token)


def test_only_the_invited_account_claims_the_invitation(
    cesja_world, customer_a, registrant_a, customer_b, outsider
):
    cesja = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        other_party_email=customer_b.email,
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    token = invitation_token(customer_b.email)
    assert mask_email(customer_b.email) == "a***@example.pl"
    for who in (outsider, customer_a):
        with pytest.raises(Refused, match=r"sent to a\*\*\*@example\.pl|both parties"):
            claim_invitation(token=token, actor=who, channel=Channel.WEB)
    # Another account that happens to share B's address is still not B's: the side is B's.
    outsider.email = customer_b.email.upper()
    outsider.save(update_fields=["email"])
    with pytest.raises(Refused, match=r"sent to a\*\*\*@example\.pl"):
        claim_invitation(token=token, actor=outsider, channel=Channel.WEB)
    cesja.refresh_from_db()
    assert cesja.cesjonariusz_account == customer_b and cesja.invitations.get().used_at is None
    assert not events(cesja, EventType.CESJA_PARTY_CHANGED).exists()
    assert claim_invitation(token=token, actor=customer_b, channel=Channel.WEB).pk == cesja.pk
    assert cesja.invitations.get().used_by == customer_b


def test_the_checklist_asks_only_what_applies(
    cesja_world, customer_a, registrant_a, organisation_a, registrant_b
):
    from assignments.models import Cesja, ChecklistItem

    to_a_firm = own_firm_cesja(customer_a, registrant_a, organisation_a, [cesja_world.domain(registrant_a)])
    assert ChecklistItem.REPRESENTATION_OK in Cesja.objects.get(pk=to_a_firm.pk).checklist_items()
    between_people = Cesja(cedent=registrant_a, cesjonariusz=registrant_b)
    assert between_people.checklist_items() == [
        item for item in ChecklistItem.values if item != ChecklistItem.REPRESENTATION_OK
    ]
