"""A cesja from the start to the registry: person → firm and firm → person."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from assignments.models import Cesja, Reason, Side, State
from assignments.selectors import cesja_for_user, cesje_for_account, next_step, timeline
from assignments.services import (
    approve_cesja,
    current_form,
    join_cesja,
    register_paper_document,
    start_cesja,
    submit_signed_document,
)
from documents.models import GeneratedDocument, ReceivedDocument
from registry.models import Domain, RegistryCommand
from workflows.flowsync import process_of
from workflows.history import iter_chain_problems
from workflows.models import Channel, EventType
from workflows.roles import AUDIT_PERMISSION

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


def test_person_hands_two_domains_to_a_jointly_represented_llc(
    cesja_world, cesja_jobs, customer_a, registrant_a, customer_b, llc_b, domains_staff, auditor, outsider
):
    first, second = cesja_world.domain(registrant_a), cesja_world.domain(registrant_a)
    contacts_before, updates_before = (
        cesja_world.handled("contact:create"),
        cesja_world.handled("domain:update"),
    )

    # Jan sells the domains to Anna's company; Anna is a customer, invited by her address.
    cesja = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[first, second.name],
        cedent_registrant=registrant_a,
        other_party_email=customer_b.email.upper(),
        reason=Reason.DOMAIN_SALE,
        reason_details="umowa sprzedaży z 2 listopada",
        actor=customer_a,
        channel=Channel.WEB,
    )
    assert cesja.state == State.AWAITING_PARTY and cesja.waiting_for == Side.CESJONARIUSZ
    assert cesja.number.startswith("CES/") and cesja.cesjonariusz_account == customer_b
    assert cesja.documents_deadline - cesja.created_at == timedelta(days=30)
    assert current_form(cesja) is None
    token = invitation_token(customer_b.email)
    assert token not in str(cesja.invitations.get().token_digest)
    assert [task.flow_task.name for task in open_tasks(cesja)] == ["await_documents"]

    # She sees it in her panel and joins with her company; the form follows.
    assert cesja_for_user(customer_b, cesja.pk) == cesja
    assert "Join the cesja" in next_step(cesja, customer_b)
    cesja = join_cesja(cesja=cesja, registrant=llc_b, actor=customer_b, channel=Channel.WEB)
    assert cesja.state == State.AWAITING_DOCUMENTS and cesja.cesjonariusz == llc_b
    # The form is rendered in the background, not in her request.
    assert current_form(cesja) is None or cesja_jobs.mode == "worker"
    form = prepared_form(cesja)
    assert form.number == f"CES/{timezone.localdate().year}/{cesja.pk:06d}/1"
    assert form.file.read(5) == b"%PDF-" and len(form.sha256) == 64
    # each party in their own language (both have Polish panels)
    assert f"Formularz cesji {form.number} do podpisu" in subjects(customer_a.email)
    assert f"Formularz cesji {form.number} do podpisu" in subjects(customer_b.email)

    # Jan uploads the scan signed by him and by both board members.
    document = submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_a
    )
    cesja.refresh_from_db()
    assert cesja.state == State.IN_VERIFICATION and document.form == form
    assert cesja.verification_deadline - cesja.documents_received_at == timedelta(days=3)
    [task] = open_tasks(cesja)
    assert task.flow_task.name == "verification" and task.owner_permission == "accounts.team_domains"

    # The domains team checks everything and approves; the registry does the rest.
    staff = domains_staff[0]
    tick_everything(cesja, staff)
    cesja = approve_cesja(cesja=cesja, actor=staff, channel=Channel.WEB, note="podpisy zgodne z KRS")
    cesja = wait_state(cesja_jobs, cesja, State.COMPLETED)

    llc_b.refresh_from_db()
    assert llc_b.registry_handle == cesja.contact_handle
    for domain in (first, second):
        assert cesja_world.registry_registrant(domain.name) == llc_b.registry_handle
        assert Domain.objects.get(pk=domain.pk).registrant == llc_b
    assert set(Domain.objects.of_account(customer_b)) == {first, second}
    assert not Domain.objects.of_account(customer_a).filter(pk__in=[first.pk, second.pk]).exists()
    assert cesja_world.handled("contact:create") == contacts_before + 1
    # Each registrant changed, then every earlier code unset (RFC 9154), each once.
    cesja_jobs.wait_for(lambda: cesja_world.handled("domain:update") >= updates_before + 2 + 2)
    assert cesja_world.handled("domain:update") == updates_before + 2 + 2
    for item in cesja.items.all():
        assert item.cl_trid and item.done_at and not item.active
        assert RegistryCommand.objects.get(cl_trid=item.cl_trid).object_name == item.domain_name
    process_of_cesja = process_of(cesja)
    cesja_jobs.wait_for(lambda: process_of(cesja).finished is not None)
    assert process_of_cesja is not None
    if cesja_jobs.mode == "eager":  # a worker's mail stays in the worker
        assert f"Cesja {cesja.number} zakończona" in subjects(customer_a.email)
        assert f"Cesja {cesja.number} zakończona" in subjects(customer_b.email)

    # Every step is on record: who, through which channel, why; hashes and clTRIDs.
    record = list(events(cesja))
    assert all(e.actor_label and e.channel and e.reason for e in record)
    [generated] = events(cesja, EventType.CESJA_FORM_GENERATED)
    assert generated.data["document_number"] == form.number and generated.data["sha256"] == form.sha256
    assert generated.actor == customer_b
    [received] = events(cesja, EventType.CESJA_DOCUMENT_RECEIVED)
    assert received.data["sha256"] == document.sha256 and received.actor == customer_a
    assert received.changes["state"] == ["awaiting_documents", "in_verification"]
    ticks = events(cesja, EventType.CESJA_CHECKLIST)
    assert ticks.count() == 5 and {t.actor for t in ticks} == {staff}
    steps = events(cesja, EventType.CESJA_REGISTRY_STEP)
    assert steps.count() == 3 and all(s.data["cl_trid"] for s in steps)
    assert {s.data["command"] for s in steps} == {"contact:create", "domain:update"}
    assert events(cesja, EventType.CESJA_STATE_CHANGED).last().changes["state"] == ["executing", "completed"]
    assert [e.summary for e in timeline(cesja)] == [e.summary for e in record]
    assert not list(iter_chain_problems())

    # Who may see the documents.
    assert cesja.documents_visible_to(customer_a) and cesja.documents_visible_to(customer_b)
    assert cesja.documents_visible_to(staff) and cesja.documents_visible_to(auditor)
    assert auditor.has_perm(AUDIT_PERMISSION) and cesje_for_account(auditor).filter(pk=cesja.pk).exists()
    assert not cesja.documents_visible_to(outsider) and not cesje_for_account(outsider).exists()
    assert "Done" in next_step(cesja, customer_b)


def test_a_person_takes_over_a_firms_domain_on_paper(
    cesja_world, cesja_jobs, customer_a, organisation_a, customer_b, registrant_b, domains_staff
):
    domain = cesja_world.domain(organisation_a)

    # Anna asks for the domain; the firm holding it (Jan's) is asked to join.
    cesja = start_cesja(
        initiator=customer_b,
        side=Side.CESJONARIUSZ,
        domains=[domain.name],
        cesjonariusz_registrant=registrant_b,
        reason=Reason.BUSINESS_SALE,
        actor=customer_b,
        channel=Channel.WEB,
    )
    assert cesja.state == State.AWAITING_PARTY and cesja.waiting_for == Side.CEDENT
    assert cesja.cedent == organisation_a and cesja.cedent_account == customer_a
    invitation_token(customer_a.email)
    cesja = join_cesja(cesja=cesja, registrant=organisation_a, actor=customer_a, channel=Channel.WEB)
    form = prepared_form(cesja)
    assert form.version == 1

    # The signed form comes by post; the firm's KRS extract is attached too.
    staff, _other = domains_staff
    register_paper_document(
        cesja=cesja,
        uploaded_file=scan_of_current_form(cesja),
        kind="signed_form",
        channel=Channel.POST,
        received_on=timezone.localdate(),
        received_by=staff,
        actor=staff,
        form_number=form.number,
    )
    from tests.fixtures.assignments import krs_extract_photo

    submit_signed_document(
        cesja=cesja, uploaded_file=krs_extract_photo(), kind="krs_extract", actor=customer_a
    )
    papers = ReceivedDocument.objects.for_case(cesja).order_by("id")
    assert [(p.kind, p.channel) for p in papers] == [("signed_form", "post"), ("krs_extract", "web")]
    assert papers[0].received_by == staff and papers[0].form == form
    [paper_event, upload_event] = events(cesja, EventType.CESJA_DOCUMENT_RECEIVED)
    assert paper_event.channel == Channel.POST and paper_event.data["received_by"] == staff.username
    assert upload_event.data["sha256"] == papers[1].sha256 and "state" not in upload_event.changes

    tick_everything(cesja, staff)
    approve_cesja(cesja=cesja, actor=staff, channel=Channel.WEB)
    cesja = wait_state(cesja_jobs, cesja, State.COMPLETED)
    registrant_b.refresh_from_db()
    assert (
        registrant_b.registry_handle
        and cesja_world.registry_registrant(domain.name) == registrant_b.registry_handle
    )
    assert list(Domain.objects.of_account(customer_b)) == [domain]
    assert GeneratedDocument.objects.for_case(cesja).count() == 1
    assert Cesja.objects.get(pk=cesja.pk).outcome_reason == ""
    if cesja_jobs.mode == "eager":
        assert mail.outbox and any("zakończona" in s for s in subjects(customer_b.email))
