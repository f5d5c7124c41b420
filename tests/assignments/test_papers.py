"""Papers belong to their case: a scan is what its QR code says it is, the form is printed in
the case's language whoever's action issued it, and a party who joins does not wait for it."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assignments.models import Reason, Side
from assignments.services import (
    current_form,
    join_cesja,
    regenerate_form,
    register_paper_document,
    start_cesja,
    submit_signed_document,
)
from documents.models import GeneratedDocument, ReceivedDocument
from tests.fixtures.assignments import scan_of, signed_scan
from workflows.errors import Refused
from workflows.models import Channel, EventType
from workflows.outbox import pending_for

from .helpers import events, prepared_form, process_registry
from .test_rules import own_firm_cesja


def two_cesje(cesja_world, customer_a, registrant_a, organisation_a):
    first = own_firm_cesja(customer_a, registrant_a, organisation_a, [cesja_world.domain(registrant_a)])
    second = own_firm_cesja(customer_a, registrant_a, organisation_a, [cesja_world.domain(registrant_a)])
    return first, second


def test_an_upload_of_another_cesjas_form_is_refused_and_the_right_one_is_labelled_by_its_code(
    cesja_world, customer_a, registrant_a, organisation_a, client_for
):
    first, second = two_cesje(cesja_world, customer_a, registrant_a, organisation_a)
    foreign = scan_of(current_form(first))

    with pytest.raises(Refused) as refused:
        submit_signed_document(cesja=second, uploaded_file=foreign, kind="signed_form", actor=customer_a)
    assert str(refused.value.args[0]) == (
        f"This is the form of cesja {first.number}, not of this cesja. "
        f"Upload the signed form of cesja {second.number}."
    )
    assert not ReceivedDocument.objects.for_case(second).exists()

    # Its own form is taken, and labelled with the number its code carries.
    own = current_form(second)
    document = submit_signed_document(
        cesja=second, uploaded_file=scan_of(own), kind="signed_form", actor=customer_a
    )
    assert (document.code_number, document.code_check) == (own.number, "current")
    page = client_for(customer_a).get(reverse("assignments:detail", args=[second.pk])).content.decode()
    # (the panel speaks Polish: "egzemplarz" is "copy of")
    assert f"egzemplarz {own.number}" in page and "nie odczytano kodu" not in page


def test_a_photo_of_a_superseded_version_is_refused_in_plain_words(
    cesja_world, customer_a, registrant_a, organisation_a
):
    cesja = own_firm_cesja(customer_a, registrant_a, organisation_a, [cesja_world.domain(registrant_a)])
    first = current_form(cesja)
    second = regenerate_form(cesja=cesja, actor=customer_a, channel=Channel.WEB, language="en")
    assert second.version == 2

    with pytest.raises(Refused) as refused:
        submit_signed_document(
            cesja=cesja, uploaded_file=scan_of(first, photo=True), kind="signed_form", actor=customer_a
        )
    assert str(refused.value.args[0]) == (
        "This is version 1 of the form; the current version is 2. Print and sign the current one."
    )
    assert not ReceivedDocument.objects.for_case(cesja).exists()


def test_paper_of_another_cesja_is_taken_in_but_flagged_on_the_verification_sheet(
    cesja_world, customer_a, registrant_a, organisation_a, domains_staff, client_for
):
    first, second = two_cesje(cesja_world, customer_a, registrant_a, organisation_a)
    foreign_number = current_form(first).number
    staff = domains_staff[0]

    document = register_paper_document(
        cesja=second,
        uploaded_file=scan_of(current_form(first)),
        kind="signed_form",
        channel=Channel.POST,
        received_on=timezone.localdate(),
        received_by=staff,
        actor=staff,
    )
    # A scan whose code cannot be read is taken too, and says so.
    unreadable = register_paper_document(
        cesja=second,
        uploaded_file=signed_scan(current_form(second).number, name="faks.pdf"),
        kind="signed_form",
        channel=Channel.FAX,
        received_on=timezone.localdate(),
        received_by=staff,
        actor=staff,
    )
    assert (document.code_number, document.code_check) == (foreign_number, "other_case")
    assert (unreadable.code_number, unreadable.code_check) == ("", "none")

    page = client_for(staff).get(reverse("assignments:verify", args=[second.pk])).content.decode()
    warning = f"Skan to formularz cesji {first.number} ({foreign_number}), a nie tej cesji."
    assert 'id="code-warnings"' in page and warning in page
    # Labelled with what it is, not with what this cesja expects.
    assert f"egzemplarz {foreign_number}" in page and "formularz innej cesji" in page
    assert f"egzemplarz {current_form(second).number}" not in page
    assert "nie odczytano kodu" in page

    # On record: the history says it too, in the product's language.
    received = events(second, EventType.CESJA_DOCUMENT_RECEIVED).first()
    assert received.data["code_number"] == foreign_number and received.data["code_check"] == "other_case"
    assert f"formularz cesji {first.number}" in received.reason


def printed_text(form) -> str:
    with form.file.open("rb") as handle:
        pdf = handle.read()
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode().split())


def test_a_party_with_an_english_panel_joining_leaves_the_form_polish(
    cesja_world, cesja_jobs, customer_a, registrant_a, customer_b, registrant_b
):
    customer_b.language = "en"
    customer_b.save(update_fields=["language"])
    cesja = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        other_party_email=customer_b.email,
        reason=Reason.DOMAIN_SALE,
        reason_details="umowa z 2 listopada",
        actor=customer_a,
        channel=Channel.WEB,
    )
    # Anna acts with her panel in English.
    with translation.override("en"):
        join_cesja(cesja=cesja, registrant=registrant_b, actor=customer_b, channel=Channel.WEB)
        form = prepared_form(cesja)

    text = printed_text(form)
    assert form.language == "pl"
    assert "Sprzedaż domeny: umowa z 2 listopada" in text
    assert "Przyczyna cesji" in text and "Podpisy" in text
    for english in (
        "Sale of the domain",
        "Declaration of assignment",
        "Signatures",
        "Reason for the assignment",
    ):
        assert english not in text


def test_the_form_is_polish_unless_english_is_chosen_whoever_acts(
    cesja_world, customer_a, registrant_a, organisation_a
):
    # Jan's panel is in English; the cesja's form is Polish all the same.
    customer_a.language = "en"
    customer_a.save(update_fields=["language"])
    with translation.override("en"):
        cesja = start_cesja(
            initiator=customer_a,
            side=Side.CEDENT,
            domains=[cesja_world.domain(registrant_a)],
            cedent_registrant=registrant_a,
            cesjonariusz_registrant=organisation_a,
            reason=Reason.PERSON_TO_FIRM,
            reason_details="nowa spółka",
            actor=customer_a,
            channel=Channel.WEB,
        )
    polish = current_form(cesja)
    assert (cesja.language, polish.language) == ("pl", "pl")
    text = printed_text(polish)
    assert "Osoba fizyczna zakłada firmę: nowa spółka" in text and "A person becoming a firm" not in text

    # English is chosen: every word of ours is English, though the one who asked reads Polish.
    with translation.override("pl"):
        english = regenerate_form(cesja=cesja, actor=customer_a, channel=Channel.WEB, language="en")
    text = printed_text(english)
    assert english.language == "en"
    assert "A person becoming a firm: nowa spółka" in text and "Osoba fizyczna zakłada firmę" not in text
    assert "Reason for the assignment" in text and "Przyczyna cesji" not in text


PREPARING = "Formularz jest przygotowywany. Ta strona odświeża się sama, dopóki nie będzie gotowy."


def test_joining_leaves_the_form_to_the_background_and_the_pages_say_it_is_being_prepared(
    cesja_world, customer_a, registrant_a, customer_b, registrant_b, client_for
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
    join_cesja(cesja=cesja, registrant=registrant_b, actor=customer_b, channel=Channel.WEB)

    # The join is committed without the form: it is a job for the background.
    assert current_form(cesja) is None
    assert pending_for(cesja).filter(kind="assignments.issue_form").count() == 1
    client = client_for(customer_b)
    detail = reverse("assignments:detail", args=[cesja.pk])
    page = client.get(detail).content.decode()
    assert PREPARING in page and '<meta http-equiv="refresh"' in page
    # The link in the e-mail, followed too early, says the same instead of failing.
    response = client.get(reverse("assignments:form", args=[cesja.pk]), follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == detail + "#form"
    assert PREPARING in response.content.decode()

    # A round of the background work renders it, in Anna's name; the page offers it.
    process_registry()
    form = current_form(cesja)
    assert form.version == 1 and form.created_by == customer_b
    assert events(cesja, EventType.CESJA_FORM_GENERATED).get().actor == customer_b
    page = client.get(detail).content.decode()
    assert PREPARING not in page and 'http-equiv="refresh"' not in page
    assert reverse("documents:download_generated", args=[form.pk]) in page
    # Delivered twice, the job issues nothing more.
    from assignments.services import issue_awaited_form

    assert issue_awaited_form(cesja.pk, actor=customer_b, channel=Channel.WEB) is None
    assert GeneratedDocument.objects.for_case(cesja).count() == 1
