"""Downloading stored documents: only as attachments, only to those the case allows.

The case here is a registrant profile. Whether a case shows its documents to someone is the
case's own answer (``documents_visible_to``); the tests give the profile that answer through
a class attribute, the seam the cesja model fills for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from accounts.models import Registrant
from documents.models import GeneratedDocument, ReceivedDocument
from workflows.roles import Team

from .test_intake import receive
from .test_sanitize import blank_pdf, pdf_bytes, png_bytes


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def owner_may_see(monkeypatch):
    """The profile's own account and back-office staff may see its documents."""

    def documents_visible_to(self: Registrant, user) -> bool:
        return user.pk == self.account_id or user.is_back_office

    monkeypatch.setattr(Registrant, "documents_visible_to", documents_visible_to, raising=False)


@pytest.fixture
def signed_scan(media, registrant_a) -> ReceivedDocument:
    return receive(registrant_a, pdf_bytes(blank_pdf(2)), "umowa cesji.pdf")


def url(document: ReceivedDocument) -> str:
    return reverse("documents:download_received", args=[document.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_owner_downloads_an_attachment_that_no_browser_renders(client_for, signed_scan, owner_may_see):
    response = client_for(signed_scan.uploaded_by).get(url(signed_scan))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="umowa cesji.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == Path(signed_scan.file.path).read_bytes()


def test_the_name_carries_the_type_the_content_turned_out_to_be(
    client_for, media, registrant_a, owner_may_see
):
    document = receive(registrant_a, png_bytes(20, 20), "skan umowy.pdf")

    response = client_for(registrant_a.account).get(url(document))

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="skan umowy.png"'


def test_another_customer_gets_not_found(client_for, customer_b, signed_scan, owner_may_see):
    response = client_for(customer_b).get(url(signed_scan))

    # The same answer as for a number under which there is nothing.
    assert response.status_code == 404
    missing = client_for(customer_b).get(reverse("documents:download_received", args=[signed_scan.pk + 1000]))
    assert missing.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(signed_scan, owner_may_see):
    response = Client().get(url(signed_scan))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_case_decides_even_for_staff(client_for, staff_user, signed_scan, monkeypatch):
    monkeypatch.setattr(Registrant, "documents_visible_to", lambda self, user: False, raising=False)

    assert client_for(staff_user(Team.DOMAINS)).get(url(signed_scan)).status_code == 404


def test_without_the_hook_only_back_office_and_auditors_may_download(
    client_for, staff_user, auditor, signed_scan
):
    assert not hasattr(Registrant, "documents_visible_to")

    assert client_for(signed_scan.uploaded_by).get(url(signed_scan)).status_code == 404
    assert client_for(staff_user(Team.DOMAINS)).get(url(signed_scan)).status_code == 200
    assert client_for(auditor).get(url(signed_scan)).status_code == 200


def test_nothing_but_get_and_head(client_for, signed_scan, owner_may_see):
    client = client_for(signed_scan.uploaded_by)

    assert client.post(url(signed_scan)).status_code == 405
    assert client.head(url(signed_scan)).status_code == 200


def test_a_generated_form_downloads_under_its_number(client_for, media, registrant_a, owner_may_see):
    content = pdf_bytes(blank_pdf(1))
    form = GeneratedDocument(
        kind=GeneratedDocument.Kind.CESJA_DECLARATION,
        case_type=ContentType.objects.get_for_model(registrant_a),
        case_id=registrant_a.pk,
        number="CES/2026/000042/1",
        version=1,
        language="pl",
        verification_code="K7Q1",
        sha256="0" * 64,
        size=len(content),
        pages=1,
    )
    form.file.save("ces.pdf", ContentFile(content), save=False)
    form.save()
    download = reverse("documents:download_generated", args=[form.pk])

    response = client_for(registrant_a.account).get(download)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="CES_2026_000042_1.pdf"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert body(response) == content
    assert Client().get(download).status_code == 302
