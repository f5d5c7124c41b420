"""documents.intake: what is stored when a document arrives, and that a refusal stores nothing.

The case is a registrant profile: any saved model can own documents, and this app must not
depend on the cesja models being written.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pikepdf
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone, translation
from PIL import Image

from documents.intake import receive_document
from documents.models import GeneratedDocument, ReceivedDocument
from documents.sanitize import DocumentRefused
from workflows.models import Channel
from workflows.roles import Team

from .test_sanitize import (
    MB,
    all_names,
    blank_pdf,
    encrypted_pdf,
    hostile_pdf,
    jpeg_with_gps,
    pdf_bytes,
    pdf_with_content_stream,
    png_bytes,
    png_of_zeros,
    zeros_deflated,
)


@pytest.fixture(autouse=True)
def in_english():
    # The product speaks Polish by default; the assertions quote the English source text.
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def upload(data: bytes, name: str = "scan.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    # The browser's content type is a claim like the name; it is given here to show it is ignored.
    return SimpleUploadedFile(name, data, content_type=content_type)


def receive(case, data: bytes, name: str = "scan.pdf", **options) -> ReceivedDocument:
    options.setdefault("kind", ReceivedDocument.Kind.SIGNED_FORM)
    options.setdefault("channel", Channel.WEB)
    options.setdefault("uploaded_by", case.account)
    return receive_document(case=case, uploaded_file=upload(data, name), **options)


def make_form(case, version: int, *, superseded_at=None) -> GeneratedDocument:
    return GeneratedDocument.objects.create(
        kind=GeneratedDocument.Kind.CESJA_DECLARATION,
        case_type=ContentType.objects.get_for_model(case),
        case_id=case.pk,
        number=f"CES/2026/000042/{version}",
        version=version,
        language="pl",
        verification_code=f"K7Q{version}",
        file=f"generated/2026/03/ces-{version}.pdf",
        sha256="0" * 64,
        size=1000,
        pages=2,
        superseded_at=superseded_at,
    )


# --- what is stored ---------------------------------------------------------------------------


def test_an_upload_is_stored_cleaned_under_a_name_of_our_own(media, registrant_a):
    original = hostile_pdf()

    document = receive(registrant_a, original, "umowa cesji podpisana.pdf")

    document.refresh_from_db()
    path = Path(document.file.path)
    stored = path.read_bytes()
    assert path.is_relative_to(media)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name)
    assert document.original_name == "umowa cesji podpisana.pdf"
    assert document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(stored).hexdigest()
    assert document.original_sha256 == hashlib.sha256(original).hexdigest()
    assert (document.size, document.pages) == (len(stored), 2)
    assert document.cleaning["open_action"] == 1
    assert document.cleaning["actions"]["JavaScript"] == 5
    assert document.received_on == timezone.localdate()
    assert document.received_by is None and document.uploaded_by == registrant_a.account
    assert list(ReceivedDocument.objects.for_case(registrant_a)) == [document]
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert not {"/JavaScript", "/JS", "/OpenAction", "/AA", "/EmbeddedFiles"} & all_names(pdf)


def test_staff_register_paper_that_came_by_post(media, registrant_a, staff_user):
    clerk = staff_user(Team.DOMAINS)

    document = receive(
        registrant_a,
        jpeg_with_gps(),
        "IMG_0001.jpg",
        kind=ReceivedDocument.Kind.POWER_OF_ATTORNEY,
        channel=Channel.POST,
        uploaded_by=clerk,
        received_by=clerk,
        received_on=date(2026, 3, 2),
        note="Koperta z pieczątką, list polecony.",
    )

    document.refresh_from_db()
    assert (document.channel, document.received_on, document.received_by) == (
        Channel.POST,
        date(2026, 3, 2),
        clerk,
    )
    assert document.content_type == "image/jpeg" and document.file.name.endswith(".jpg")
    stored = Image.open(document.file.path)
    assert not stored.getexif()
    assert document.cleaning == {"exif": True, "gps_location": True}


def test_a_png_named_pdf_is_stored_as_png(media, registrant_a):
    document = receive(registrant_a, png_bytes(50, 70), "scan.pdf")

    assert document.content_type == "image/png"
    assert document.file.name.endswith(".png")
    assert document.original_name == "scan.pdf"
    assert Image.open(document.file.path).format == "PNG"


def test_a_signed_copy_of_the_current_form_is_linked_to_it(media, registrant_a):
    form = make_form(registrant_a, 1)

    document = receive(registrant_a, pdf_bytes(blank_pdf(2)), form=form)

    assert document.form == form
    assert list(form.signed_copies.all()) == [document]


def test_the_senders_path_and_control_characters_never_reach_the_name(media, registrant_a):
    document = receive(registrant_a, png_bytes(5, 5), "C:\\Users\\jan\\skan\r\n1.png")

    assert document.original_name == "skan__1.png"
    assert "skan" not in document.file.name


# --- refusals leave nothing behind ------------------------------------------------------------


@pytest.fixture(scope="module")
def flate_bomb() -> bytes:
    return pdf_with_content_stream(zeros_deflated(400 * MB), ["/FlateDecode"])


@pytest.mark.parametrize(
    ("make", "name", "code"),
    [
        pytest.param(
            lambda: b"<html><script>alert(1)</script></html>", "scan.pdf", "not_accepted", id="html"
        ),
        pytest.param(lambda: b"MZ\x90\x00" + bytes(500), "scan.pdf", "not_accepted", id="exe"),
        pytest.param(encrypted_pdf, "scan.pdf", "encrypted", id="encrypted"),
        pytest.param(lambda: png_of_zeros(30_000, 30_000), "scan.png", "too_many_pixels", id="png-bomb"),
        pytest.param(lambda: pdf_bytes(blank_pdf(31)), "scan.pdf", "too_many_pages", id="pages"),
    ],
)
def test_a_refused_file_leaves_no_row_and_no_file(media, registrant_a, make, name, code):
    with pytest.raises(DocumentRefused) as caught:
        receive(registrant_a, make(), name)

    assert caught.value.code == code
    assert not ReceivedDocument.objects.exists()
    assert stored_files(media) == []


def test_a_pdf_bomb_is_refused_and_nothing_stored(media, registrant_a, flate_bomb):
    with pytest.raises(DocumentRefused) as caught:
        receive(registrant_a, flate_bomb)

    assert caught.value.code == "inflates_too_much"
    assert not ReceivedDocument.objects.exists() and stored_files(media) == []


def test_an_oversized_file_is_refused_with_the_limit(media, registrant_a, settings):
    data = pdf_bytes(blank_pdf(1))
    too_big = data + b"%" * (settings.DOCUMENT_UPLOAD_MAX_BYTES + 1 - len(data))

    with pytest.raises(DocumentRefused) as caught:
        receive(registrant_a, too_big)

    assert caught.value.code == "too_large"
    assert "20 MB" in str(caught.value)
    assert not ReceivedDocument.objects.exists() and stored_files(media) == []


class EndlessUpload:
    """An upload that would never end, counting what is read from it; its ``size`` lies."""

    name = "scan.pdf"

    def __init__(self, size: int | None) -> None:
        self.size = size
        self.bytes_read = 0

    def seek(self, position: int) -> None:
        pass

    def read(self, count: int) -> bytes:
        self.bytes_read += count
        return bytes(count)


def test_an_oversized_file_is_not_read_to_its_end(media, registrant_a, settings):
    settings.DOCUMENT_UPLOAD_MAX_BYTES = 1 * MB
    lying = EndlessUpload(size=100)

    with pytest.raises(DocumentRefused) as caught:
        receive_document(
            case=registrant_a,
            kind=ReceivedDocument.Kind.OTHER,
            uploaded_file=lying,
            channel=Channel.WEB,
            uploaded_by=registrant_a.account,
        )

    assert "1 MB" in str(caught.value)
    assert lying.bytes_read == 1 * MB + 1


def test_a_file_declared_too_large_is_refused_before_reading(media, registrant_a, settings):
    honest = EndlessUpload(size=settings.DOCUMENT_UPLOAD_MAX_BYTES + 1)

    with pytest.raises(DocumentRefused):
        receive_document(
            case=registrant_a,
            kind=ReceivedDocument.Kind.OTHER,
            uploaded_file=honest,
            channel=Channel.WEB,
            uploaded_by=registrant_a.account,
        )

    assert honest.bytes_read == 0


def test_a_signed_copy_of_a_superseded_form_is_refused(media, registrant_a):
    old = make_form(registrant_a, 1, superseded_at=timezone.now() - timedelta(days=1))
    new = make_form(registrant_a, 2)
    old.superseded_by = new
    old.save()

    with pytest.raises(DocumentRefused) as caught:
        receive(registrant_a, pdf_bytes(blank_pdf(2)), form=old)

    message = str(caught.value)
    assert caught.value.code == "superseded_form"
    assert "CES/2026/000042/2" in message
    assert "print and sign the current one" in message
    with translation.override("pl"):
        assert "wydrukuj i podpisz aktualną wersję" in str(caught.value)
    assert not ReceivedDocument.objects.exists() and stored_files(media) == []


def test_a_form_superseded_after_it_was_shown_is_still_caught(media, registrant_a):
    # The caller's copy of the form still says "current"; the database no longer does.
    stale = make_form(registrant_a, 1)
    GeneratedDocument.objects.filter(pk=stale.pk).update(superseded_at=timezone.now())

    with pytest.raises(DocumentRefused) as caught:
        receive(registrant_a, pdf_bytes(blank_pdf(2)), form=stale)

    assert "CES/2026/000042/1" in str(caught.value)
    assert not ReceivedDocument.objects.exists()


def test_a_failed_save_removes_the_file_it_wrote(media, registrant_a):
    # NOT NULL on the note: the database refuses the row after the file was written.
    with pytest.raises(IntegrityError):
        receive(registrant_a, png_bytes(10, 10), "scan.png", note=None)

    assert stored_files(media) == []


# --- mistakes of the caller -------------------------------------------------------------------


def test_a_form_of_another_case_is_a_programming_error(media, registrant_a, registrant_b):
    with pytest.raises(ValueError, match="another case"):
        receive(registrant_a, png_bytes(5, 5), form=make_form(registrant_b, 1))


def test_a_document_cannot_come_by_phone(media, registrant_a):
    with pytest.raises(ValueError, match="channel"):
        receive(registrant_a, png_bytes(5, 5), channel=Channel.PHONE)


def test_an_unknown_kind_is_a_programming_error(media, registrant_a):
    with pytest.raises(ValueError, match="kind"):
        receive(registrant_a, png_bytes(5, 5), kind="selfie")


def test_sanitized_bytes_are_what_is_stored(media, registrant_a):
    document = receive(registrant_a, png_bytes(8, 8, mode="RGBA"), "scan.png")

    with document.file.open("rb") as stored:
        content = stored.read()
    assert Image.open(io.BytesIO(content)).mode == "RGB"
    assert hashlib.sha256(content).hexdigest() == document.sha256
