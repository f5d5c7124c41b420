"""The cesja pages against the sandbox registry and real files: what each shows, what each
POST does, and that a refusal comes back in the form with nothing lost and nothing saved."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst

from assignments import services
from assignments.kind import CESJE
from assignments.models import Cesja, ChecklistItem, ChecklistTick, State
from documents.models import GeneratedDocument, ReceivedDocument
from registry.models import Domain
from transfers.models import Transfer
from workflows.models import Channel
from workflows.roles import Team

from .conftest import invitation_token, not_a_document, signed_pdf, signed_png, tick_all


def _page(response) -> str:
    return response.content.decode()


def _chosen(page: str, value: object) -> bool:
    """Whether the option, radio button or checkbox of ``value`` is chosen on the page."""
    return re.search(rf'<(input|option)[^>]*value="{value}"[^>]*(checked|selected)', page) is not None


def _polish(message: str, **params: str) -> str:
    """A message as the pages show it (in Polish, the users' language), HTML-escaped."""
    with translation.override("pl"):
        return escape(translation.gettext(message) % params if params else translation.gettext(message))


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- starting a cesja ---------------------------------------------------------------------------


def test_start_page_offers_own_domains_and_profiles(
    client_for, customer_a, registrant_a, registrant_b, domain_of_a, cesja_world
) -> None:
    foreign = cesja_world.domain(registrant_b)
    page = _page(client_for(customer_a).get(reverse("assignments:start"), {"domain": domain_of_a.pk}))
    assert f'value="{domain_of_a.pk}"' in page and foreign.name not in page
    # Linked from the domain row: that domain is already ticked.
    assert _chosen(page, domain_of_a.pk)
    assert "Jan Kowalski" in page and "Anna Nowak" not in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' not in page  # no upload before there is a form


def test_a_cedent_starts_a_cesja_and_the_other_customer_is_invited(
    client_for, customer_a, customer_b, registrant_a, registrant_b, domain_of_a
) -> None:
    response = client_for(customer_a).post(
        reverse("assignments:start"),
        {
            "side": "cedent",
            "domains": [domain_of_a.pk],
            "registrant": registrant_a.pk,
            "other_party_email": customer_b.email,
            "reason": "domain_sale",
            "reason_details": "Sprzedaż domeny",
        },
    )
    cesja = Cesja.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assignments:detail", args=[cesja.pk])
    assert cesja.state == State.AWAITING_PARTY
    assert cesja.cedent == registrant_a and cesja.cesjonariusz_account == customer_b
    assert invitation_token(customer_b.email)
    # B finds it in their account, with the form to join it.
    page = _page(client_for(customer_b).get(reverse("home")))
    assert cesja.number in page and reverse("assignments:detail", args=[cesja.pk]) in page
    detail = _page(client_for(customer_b).get(reverse("assignments:detail", args=[cesja.pk])))
    assert reverse("assignments:join", args=[cesja.pk]) in detail


def test_a_domain_that_is_not_the_cedents_is_refused_in_the_form(
    client_for, customer_a, customer_b, registrant_a, registrant_b, cesja_world
) -> None:
    foreign = cesja_world.domain(registrant_b)
    data = {
        "side": "cedent",
        "domains": [foreign.pk],
        "registrant": registrant_a.pk,
        "other_party_email": "nowy@example.pl",
        "reason": "domain_sale",
        "reason_details": "Sprzedaż",
    }
    response = client_for(customer_a).post(reverse("assignments:start"), data)
    page = _page(response)
    assert response.status_code == 200
    assert "field--invalid" in page
    assert 'value="nowy@example.pl"' in page  # nothing typed is lost
    assert "Sprzedaż" in page
    assert not Cesja.objects.exists()


def test_a_domain_held_by_another_of_ones_profiles_is_refused_in_plain_words(
    client_for, customer_a, registrant_a, organisation_a, domain_of_a
) -> None:
    response = client_for(customer_a).post(
        reverse("assignments:start"),
        {
            "side": "cedent",
            "domains": [domain_of_a.pk],
            "registrant": organisation_a.pk,
            "other_party_email": "nowy@example.pl",
            "reason": "domain_sale",
        },
    )
    page = _page(response)
    assert 'class="alert alert--error"' in page
    assert domain_of_a.name in page and escape(organisation_a.display_name) in page
    assert not Cesja.objects.exists()


def test_an_invalid_email_is_refused_in_the_form(client_for, customer_a, registrant_a, domain_of_a) -> None:
    response = client_for(customer_a).post(
        reverse("assignments:start"),
        {
            "side": "cedent",
            "domains": [domain_of_a.pk],
            "registrant": registrant_a.pk,
            "other_party_email": "to-nie-jest-adres",
            "reason": "other",
            "reason_details": "Zmiana właściciela",
        },
    )
    page = _page(response)
    assert response.status_code == 200
    assert 'id="id_other_party_email_error"' in page
    assert "Zmiana właściciela" in page and _chosen(page, domain_of_a.pk)
    assert not Cesja.objects.exists()


def test_the_cesjonariusz_can_start_by_naming_the_domain(
    client_for, customer_a, customer_b, registrant_b, domain_of_a
) -> None:
    response = client_for(customer_b).post(
        reverse("assignments:start"),
        {
            "side": "cesjonariusz",
            "domain_names": domain_of_a.name,
            "registrant": registrant_b.pk,
            "reason": "business_sale",
        },
    )
    cesja = Cesja.objects.get()
    assert response["Location"] == reverse("assignments:detail", args=[cesja.pk])
    assert cesja.cesjonariusz == registrant_b and cesja.cedent_account == customer_a
    assert cesja.waiting_for == "cedent"


# --- joining through the e-mail's link ----------------------------------------------------------


def test_the_invited_customer_joins_through_the_link(
    client_for, start_cesja, customer_b, registrant_b
) -> None:
    cesja = start_cesja()
    url = reverse("assignments:invitation", args=[invitation_token(customer_b.email)])
    client = client_for(customer_b)
    page = _page(client.get(url))
    assert cesja.number in page and "Anna Nowak" in page
    assert Cesja.objects.get(pk=cesja.pk).state == State.AWAITING_PARTY  # a GET changes nothing
    response = client.post(url, {"registrant": registrant_b.pk})
    assert response["Location"] == reverse("assignments:detail", args=[cesja.pk])
    cesja.refresh_from_db()
    assert cesja.state == State.AWAITING_DOCUMENTS and cesja.cesjonariusz == registrant_b
    # The link a second time leads to the cesja's page.
    assert client.get(url)["Location"] == reverse("assignments:detail", args=[cesja.pk])


def test_an_unknown_invitation_link_says_so(client_for, customer_b, cesja_world) -> None:
    response = client_for(customer_b).get(reverse("assignments:invitation", args=["nieznany-token"]))
    assert response.status_code == 404
    assert _polish("This invitation link is not valid.") in _page(response)


def test_an_invitation_already_used_is_refused_to_anyone_else(
    client_for, start_cesja, customer_b, registrant_b, outsider
) -> None:
    cesja = start_cesja()
    url = reverse("assignments:invitation", args=[invitation_token(customer_b.email)])
    client_for(customer_b).post(url, {"registrant": registrant_b.pk})
    response = client_for(outsider).post(url, {"registrant": registrant_b.pk})
    assert response.status_code == 200
    assert _polish("This invitation has already been used.") in _page(response)
    cesja.refresh_from_db()
    assert cesja.cesjonariusz_account == customer_b and cesja.cesjonariusz == registrant_b


# --- the case page ------------------------------------------------------------------------------


def test_the_case_page_shows_the_form_its_deadline_and_the_upload(
    client_for, customer_a, joined_cesja
) -> None:
    form = GeneratedDocument.objects.for_case(joined_cesja).get()
    page = _page(client_for(customer_a).get(reverse("assignments:detail", args=[joined_cesja.pk])))
    domain = joined_cesja.items.get().domain_name
    assert f'<h1 class="domain-title">{domain}</h1>' in page
    assert form.number in page and form.sha256 in page
    assert reverse("documents:download_generated", args=[form.pk]) in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page and 'enctype="multipart/form-data"' in page
    assert joined_cesja.documents_deadline.strftime("%Y") in page
    assert "Anna Nowak" in page and "Jan Kowalski" in page
    assert reverse("assignments:cancel", args=[joined_cesja.pk]) in page
    assert 'class="timeline"' in page


def test_the_form_link_downloads_the_current_version(client_for, customer_b, joined_cesja) -> None:
    client = client_for(customer_b)
    response = client.get(reverse("assignments:form", args=[joined_cesja.pk]), follow=True)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_in_the_form(
    client_for, customer_a, joined_cesja
) -> None:
    before = _stored_files()
    response = client_for(customer_a).post(
        reverse("assignments:upload", args=[joined_cesja.pk]),
        {"kind": "signed_form", "file": not_a_document()},
    )
    page = _page(response)
    assert response.status_code == 200
    assert 'id="id_file_error"' in page
    assert _chosen(page, "signed_form")  # the kind chosen stays chosen
    assert not ReceivedDocument.objects.exists()
    assert _stored_files() == before
    assert Cesja.objects.get(pk=joined_cesja.pk).state == State.AWAITING_DOCUMENTS


def test_a_signed_scan_goes_to_verification(client_for, customer_b, joined_cesja) -> None:
    client = client_for(customer_b)
    response = client.post(
        reverse("assignments:upload", args=[joined_cesja.pk]), {"kind": "signed_form", "file": signed_png()}
    )
    assert response["Location"] == reverse("assignments:detail", args=[joined_cesja.pk])
    document = ReceivedDocument.objects.get()
    assert document.channel == "web" and document.uploaded_by == customer_b
    assert Cesja.objects.get(pk=joined_cesja.pk).state == State.IN_VERIFICATION
    page = _page(client.get(response["Location"]))
    assert document.sha256 in page
    assert reverse("documents:download_received", args=[document.pk]) in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page  # more pages may still be sent


def test_a_party_cancels_after_confirming(client_for, customer_a, joined_cesja) -> None:
    client = client_for(customer_a)
    url = reverse("assignments:cancel", args=[joined_cesja.pk])
    assert joined_cesja.number in _page(client.get(url))
    assert Cesja.objects.get(pk=joined_cesja.pk).state == State.AWAITING_DOCUMENTS
    response = client.post(url, {"reason": "Rozmyśliłem się"})
    assert response["Location"] == reverse("assignments:detail", args=[joined_cesja.pk])
    cesja = Cesja.objects.get(pk=joined_cesja.pk)
    assert cesja.state == State.CANCELLED
    page = _page(client.get(response["Location"]))
    assert url not in page and 'accept=".pdf' not in page


# --- the domains team ---------------------------------------------------------------------------


def test_the_verification_sheet_shows_expected_data_and_documents(
    client_for, domains_staff, cesja_in_verification
) -> None:
    page = _page(
        client_for(domains_staff[0]).get(reverse("assignments:verify", args=[cesja_in_verification.pk]))
    )
    form = GeneratedDocument.objects.for_case(cesja_in_verification).get()
    document = ReceivedDocument.objects.get()
    assert form.number in page and "44051401359" in page and "02070803628" in page
    assert reverse("documents:download_received", args=[document.pk]) in page
    assert document.sha256 in page
    assert "<iframe" not in page and "<embed" not in page and "<object" not in page
    # Only what applies: the representation line only when a party is an organisation.
    applicable = Cesja.objects.get(pk=cesja_in_verification.pk).checklist_items()
    assert page.count(reverse("assignments:tick", args=[cesja_in_verification.pk])) == len(applicable)


def test_ticking_and_unticking_the_checklist(client_for, domains_staff, cesja_in_verification) -> None:
    client = client_for(domains_staff[0])
    url = reverse("assignments:tick", args=[cesja_in_verification.pk])
    response = client.post(url, {"item": "both_signed", "checked": "1", "note": "Dwa podpisy"})
    assert response["Location"].endswith("#checklist")
    tick = ChecklistTick.objects.get()
    assert tick.checked and tick.note == "Dwa podpisy" and tick.ticked_by == domains_staff[0]
    page = _page(client.get(reverse("assignments:verify", args=[cesja_in_verification.pk])))
    assert 'class="checklist__item is-checked" id="check-both_signed"' in page and "Dwa podpisy" in page
    client.post(url, {"item": "both_signed", "checked": "0", "note": "Jednak brak"})
    assert not ChecklistTick.objects.latest("id").checked
    # Nonsense is refused and records nothing.
    client.post(url, {"item": "no_such_item", "checked": "1"})
    assert ChecklistTick.objects.count() == 2


def test_a_checklist_item_that_does_not_apply_is_refused(
    client_for, domains_staff, cesja_in_verification
) -> None:
    # Two people: nobody represents an organisation, so that line is not asked and not taken.
    client = client_for(domains_staff[0])
    url = reverse("assignments:tick", args=[cesja_in_verification.pk])
    client.post(url, {"item": "representation_ok", "checked": "1", "note": ""})
    assert not ChecklistTick.objects.exists()
    page = _page(client.get(reverse("assignments:verify", args=[cesja_in_verification.pk])))
    assert 'id="check-representation_ok"' not in page


def test_approval_only_with_the_whole_checklist(client_for, domains_staff, cesja_in_verification) -> None:
    staff = domains_staff[0]
    client = client_for(staff)
    approve = reverse("assignments:approve", args=[cesja_in_verification.pk])
    page = _page(client.post(approve, {"note": ""}))
    assert 'class="alert alert--error"' in page
    assert escape(str(ChecklistItem.REPRESENTATION_OK.label)) in page or "REPRESENTATION" not in page
    assert Cesja.objects.get(pk=cesja_in_verification.pk).state == State.IN_VERIFICATION
    tick_all(cesja_in_verification, staff)
    response = client.post(approve, {"note": "Zgodne z KRS"})
    assert response["Location"] == reverse("assignments:verify", args=[cesja_in_verification.pk])
    assert Cesja.objects.get(pk=cesja_in_verification.pk).state in {State.EXECUTING, State.COMPLETED}


def test_a_correction_request_reaches_the_parties(
    client_for, domains_staff, customer_a, cesja_in_verification
) -> None:
    url = reverse("assignments:correction", args=[cesja_in_verification.pk])
    page = _page(client_for(domains_staff[0]).post(url, {"what_to_fix": ""}))
    assert 'id="id_what_to_fix_error"' in page
    client_for(domains_staff[0]).post(url, {"what_to_fix": "Brak podpisu cesjonariusza na stronie 2."})
    assert Cesja.objects.get(pk=cesja_in_verification.pk).state == State.CORRECTION_REQUESTED
    page = _page(client_for(customer_a).get(reverse("assignments:detail", args=[cesja_in_verification.pk])))
    assert "Brak podpisu cesjonariusza na stronie 2." in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page


def test_a_rejection_needs_its_reasons(client_for, domains_staff, customer_b, cesja_in_verification) -> None:
    url = reverse("assignments:reject", args=[cesja_in_verification.pk])
    client = client_for(domains_staff[0])
    assert 'id="id_reasons_error"' in _page(client.post(url, {"reasons": "  "}))
    client.post(url, {"reasons": "Podpis cedenta nie jest jego."})
    cesja = Cesja.objects.get(pk=cesja_in_verification.pk)
    assert cesja.state == State.REJECTED and cesja.outcome_reason == "Podpis cedenta nie jest jego."
    page = _page(client_for(customer_b).get(reverse("assignments:detail", args=[cesja.pk])))
    assert "Podpis cedenta nie jest jego." in page


def test_staff_register_a_paper_document_received_by_themselves_by_default(
    client_for, domains_staff, joined_cesja
) -> None:
    staff = domains_staff[1]
    client = client_for(staff)
    page = _page(client.get(reverse("assignments:verify", args=[joined_cesja.pk])))
    assert f'<option value="{staff.pk}" selected>' in page
    url = reverse("assignments:paper", args=[joined_cesja.pk])
    refused = _page(
        client.post(
            url,
            {
                "kind": "signed_form",
                "channel": "post",
                "received_on": "2026-01-05",
                "received_by": staff.pk,
                "file": not_a_document(),
            },
        )
    )
    assert 'class="alert alert--error"' in refused and _chosen(refused, "post")
    assert not ReceivedDocument.objects.exists()
    client.post(
        url,
        {
            "kind": "signed_form",
            "channel": "fax",
            "received_on": str(joined_cesja.created_at.date()),
            "received_by": staff.pk,
            "file": signed_pdf("faks.pdf"),
        },
    )
    document = ReceivedDocument.objects.get()
    assert document.channel == "fax" and document.received_by == staff and document.uploaded_by == staff
    assert Cesja.objects.get(pk=joined_cesja.pk).state == State.IN_VERIFICATION


def test_a_second_approval_is_announced_and_needs_someone_else(
    client_for, domains_staff, cesja_in_verification
) -> None:
    policy = cesja_in_verification.policy
    policy.second_approval_domains = cesja_in_verification.domain_names()
    policy.save()
    first, second = domains_staff
    tick_all(cesja_in_verification, first)
    approve = reverse("assignments:approve", args=[cesja_in_verification.pk])
    verify = reverse("assignments:verify", args=[cesja_in_verification.pk])
    assert 'id="second-approval"' in _page(client_for(first).get(verify))
    client_for(first).post(approve, {"note": ""})
    assert Cesja.objects.get(pk=cesja_in_verification.pk).state == State.AWAITING_SECOND_APPROVAL
    page = _page(client_for(first).post(approve, {"note": ""}))
    assert 'class="alert alert--error"' in page
    assert Cesja.objects.get(pk=cesja_in_verification.pk).state == State.AWAITING_SECOND_APPROVAL
    client_for(second).post(approve, {"note": "Druga para oczu"})
    assert Cesja.objects.get(pk=cesja_in_verification.pk).state in {State.EXECUTING, State.COMPLETED}


# --- home pages ---------------------------------------------------------------------------------


def test_home_lists_cesje_and_links_each_domain_to_a_new_one(client_for, customer_a, joined_cesja) -> None:
    page = _page(client_for(customer_a).get(reverse("home")))
    assert reverse("assignments:start") in page
    assert joined_cesja.number in page
    for domain in Domain.objects.of_account(customer_a).held_by_us():
        assert f"{reverse('assignments:start')}?domain={domain.pk}" in page


def test_the_team_queue_links_to_the_verification_page(
    client_for, domains_staff, cesja_in_verification
) -> None:
    page = _page(client_for(domains_staff[0]).get(reverse("home")))
    assert reverse("assignments:verify", args=[cesja_in_verification.pk]) in page
    assert mail.outbox  # the parties were told along the way


def test_a_new_form_version_supersedes_the_old_one(client_for, customer_a, joined_cesja) -> None:
    client = client_for(customer_a)
    first = GeneratedDocument.objects.for_case(joined_cesja).get()
    response = client.post(reverse("assignments:regenerate", args=[joined_cesja.pk]), {"language": "en"})
    assert response["Location"].endswith("#form")
    second = GeneratedDocument.objects.for_case(joined_cesja).exclude(pk=first.pk).get()
    first.refresh_from_db()
    assert not first.is_current and second.is_current and second.version == 2 and second.language == "en"
    page = _page(client.get(reverse("assignments:detail", args=[joined_cesja.pk])))
    assert f'<dd class="mono" id="form-number">{second.number}</dd>' in page
    assert 'class="doc doc--superseded"' in page and first.number in page and first.sha256 in page
    # Nonsense changes nothing.
    client.post(reverse("assignments:regenerate", args=[joined_cesja.pk]), {"language": "de"})
    assert GeneratedDocument.objects.for_case(joined_cesja).count() == 2


def test_a_missed_documents_deadline_shows_as_late(client_for, customer_a, joined_cesja) -> None:
    from datetime import timedelta

    from django.utils import timezone

    Cesja.objects.filter(pk=joined_cesja.pk).update(documents_deadline=timezone.now() - timedelta(hours=2))
    page = _page(client_for(customer_a).get(reverse("assignments:detail", args=[joined_cesja.pk])))
    assert '<div class="is-late">' in page
    assert page.count('class="badge badge--danger"') >= 2  # beside the state and beside the date
    home = _page(client_for(customer_a).get(reverse("home")))
    assert 'class="badge badge--danger"' in home


# --- Polish grammatical gender --------------------------------------------------------------

CESJA_STATES_PL = {
    State.AWAITING_PARTY: "czeka na dołączenie drugiej strony",
    State.COMPLETED: "zakończona",
    State.REJECTED: "odrzucona",
    State.CANCELLED: "anulowana",
    State.EXPIRED: "wygasła",
    State.FAILED: "nieudana",
}


def test_a_cesja_is_feminine_in_polish_and_a_transfer_stays_masculine() -> None:
    with translation.override("pl"):
        for state, polish in CESJA_STATES_PL.items():
            assert str(State(state).label) == polish
            assert Cesja(state=state).get_state_display() == polish
        assert str(Transfer.State.COMPLETED.label) == "zakończony"
        assert str(Transfer.State.CANCELLED.label) == "anulowany"
        assert capfirst(Cesja(state=State.COMPLETED).get_state_display()) == "Zakończona"
        assert capfirst(Transfer(state=Transfer.State.COMPLETED).get_state_display()) == "Zakończony"
    with translation.override("en"):
        assert Cesja(state=State.COMPLETED).get_state_display() == "completed"


def test_an_ended_cesja_reads_right_on_every_page(
    client_for, start_cesja, customer_a, staff_user, supervisor
) -> None:
    cesja = start_cesja()
    services.cancel_cesja(cesja=cesja, actor=customer_a, channel=Channel.WEB, reason="Rezygnacja")
    badge = '<span class="badge badge--neutral badge--state">Anulowana</span>'
    case = _page(client_for(customer_a).get(reverse("assignments:detail", args=[cesja.pk])))
    assert badge in case and "Anulowany" not in case
    home = _page(client_for(customer_a).get(reverse("home")))
    assert re.search(r'<span class="badge badge--\w+">Anulowana</span>', home)
    for reader in (staff_user(Team.DOMAINS), supervisor):
        sheet = _page(client_for(reader).get(reverse("assignments:verify", args=[cesja.pk])))
        assert badge in sheet
    # A step refused because of the state says it in the feminine too.
    with translation.override("pl"):
        refusal = str(CESJE.conflict(Cesja.objects.get(pk=cesja.pk)).message)
    assert "anulowana" in refusal and "anulowany" not in refusal
