"""Cesje made the real way (services against the sandbox registry, real files) for the page
tests: started by customer A as the cedent, joined by customer B, signed and uploaded."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pikepdf
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.models import User
from assignments import services
from assignments.models import Cesja, Reason, Side, State
from registry.models import Domain
from tests.assignments.helpers import prepared_form
from workflows.models import Channel

INVITATION_LINK = re.compile(r"/cesje/invitation/([A-Za-z0-9_-]+)/")


def signed_pdf(name: str = "cesja-podpisana.pdf") -> SimpleUploadedFile:
    """A one-page PDF as a scanner makes it: one page with a drawn image of the signatures."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    buffer = io.BytesIO()
    pdf.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def signed_png(name: str = "cesja-zdjecie.png") -> SimpleUploadedFile:
    page = Image.new("RGB", (620, 877), "white")
    draw = ImageDraw.Draw(page)
    draw.text((40, 40), "Deklaracja cesji", fill="black")
    draw.line((80, 760, 260, 730), fill="navy", width=3)
    buffer = io.BytesIO()
    page.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def not_a_document(name: str = "umowa.pdf") -> SimpleUploadedFile:
    """A text file that calls itself a PDF."""
    return SimpleUploadedFile(name, b"To nie jest PDF, tylko tekst.\n" * 20, content_type="application/pdf")


def invitation_token(address: str) -> str:
    """The token of the newest invitation mailed to ``address``."""
    for message in reversed(mail.outbox):
        if address in message.to:
            found = INVITATION_LINK.search(message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no invitation was mailed to {address}")


def tick_all(cesja: Cesja, staff: User) -> None:
    for item in Cesja.objects.get(pk=cesja.pk).checklist_items():
        services.tick_checklist(
            cesja=cesja, item=item, checked=True, note="", actor=staff, channel=Channel.WEB
        )


@pytest.fixture
def domain_of_a(cesja_world, registrant_a) -> Domain:
    return cesja_world.domain(registrant_a)


@pytest.fixture
def start_cesja(cesja_world, customer_a, customer_b, registrant_a) -> Callable[..., Cesja]:
    """Customer A gives a domain of theirs (a new one unless given) to customer B."""

    def start(domain: Domain | None = None) -> Cesja:
        return services.start_cesja(
            initiator=customer_a,
            side=Side.CEDENT,
            domains=[domain or cesja_world.domain(registrant_a)],
            cedent_registrant=registrant_a,
            other_party_email=customer_b.email,
            reason=Reason.DOMAIN_SALE,
            actor=customer_a,
            channel=Channel.WEB,
        )

    return start


@pytest.fixture
def joined_cesja(start_cesja, customer_b, registrant_b) -> Cesja:
    """Both parties known: the form is generated and waits to be signed."""
    cesja = start_cesja()
    services.join_cesja(cesja=cesja, registrant=registrant_b, actor=customer_b, channel=Channel.WEB)
    prepared_form(cesja)  # rendered in the background
    cesja.refresh_from_db()
    assert cesja.state == State.AWAITING_DOCUMENTS
    return cesja


@pytest.fixture
def cesja_in_verification(joined_cesja, customer_a) -> Cesja:
    services.submit_signed_document(
        cesja=joined_cesja,
        uploaded_file=signed_pdf(),
        kind="signed_form",
        actor=customer_a,
        channel=Channel.WEB,
    )
    joined_cesja.refresh_from_db()
    assert joined_cesja.state == State.IN_VERIFICATION
    return joined_cesja
