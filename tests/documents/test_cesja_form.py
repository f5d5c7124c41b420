"""The cesja declaration read back from the PDF, and its versions."""

from __future__ import annotations

import hashlib
import io
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from django.conf import settings
from django.db import connection
from PIL import Image
from pypdf import PdfReader

from accounts.models import Registrant
from documents.cesja_form import (
    ORGANISATION,
    PERSON,
    CesjaFormData,
    Party,
    Representative,
    for_issue,
    render_cesja_declaration,
    staff_url,
)
from documents.models import GeneratedDocument
from documents.services import (
    FormNotFound,
    FormSuperseded,
    current_form,
    form_by_number,
    form_for_signed_copy,
    form_versions,
    issue_form_version,
    parse_number,
    previous_version,
    verify_stored_file,
)
from tests.fixtures.people import KRS_VALID, NIP_VALID, PESEL_JAN, REGON_VALID

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
LOWER, UPPER = "ąćęłńóśźż", "ĄĆĘŁŃÓŚŹŻ"
KIND = GeneratedDocument.Kind.CESJA_DECLARATION

PERSON_PARTY = Party(
    kind=PERSON,
    first_name="Łukasz",
    last_name="Źródłowski",
    pesel=PESEL_JAN,
    street="ul. Żółkiewskiego 7 m. 12",
    postal_code="90-001",
    city="Łódź",
    email="lukasz.zrodlowski@example.pl",
    phone="+48 600 100 200",
)
FIRM_PARTY = Party(
    kind=ORGANISATION,
    # Every Polish letter, both cases, so the test sees each one print and extract.
    name="Pracownia Gęślą Jaźń ĄĆĘŁŃÓŚŹŻ sp. z o.o.",
    legal_form=Registrant.LegalForm.LLC,
    nip=NIP_VALID,
    regon=REGON_VALID,
    krs=KRS_VALID,
    representation=Registrant.Representation.JOINTLY,
    representatives=(
        Representative("Małgorzata", "Wiśniewska", "Prezes Zarządu"),
        Representative("Grzegorz", "Dąbrowski", "Członek Zarządu"),
    ),
    street="ul. Świętokrzyska 30",
    postal_code="00-116",
    city="Warszawa",
    email="biuro@pracownia.example.pl",
    phone="+48 22 555 66 77",
)
CASE_URL = staff_url("/staff/cesje/123/")
# The QR code leads staff to the case and names the version: a scan says what it is a copy of.
QR_TEXT = f"{CASE_URL}?form=CES/2026/000123/1"


def form_data(cedent: Party, cesjonariusz: Party, **changes) -> CesjaFormData:
    data = CesjaFormData(
        case_id=123,
        case_url=CASE_URL,
        cedent=cedent,
        cesjonariusz=cesjonariusz,
        domains=["żółtyrower.pl", "kowalski.com.pl"],
        reason="Zakup domeny (umowa sprzedaży)",
        upload_url="http://127.0.0.1:8000/cesje/123/",
        document_number="CES/2026/000123/1",
        verification_code="ACDE-FG34",
        version=1,
    )
    return replace(data, **changes)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def to_png(pdf: bytes, stem: Path, resolution: int) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    for old in stem.parent.glob(f"{stem.name}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", "-", str(stem)], input=pdf, check=True, timeout=60
    )
    return sorted(stem.parent.glob(f"{stem.name}-*.png"))


def decoded_qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    pages = to_png(pdf, tmp_path / "page", 150)
    return [code.text for page in pages for code in zxingcpp.read_barcodes(Image.open(page))]


def flat(text: str) -> str:
    # Table cells wrap: compare with line breaks as spaces.
    return " ".join(text.split())


def test_person_to_firm_prints_both_parties_domains_numbers_and_polish_letters(tmp_path):
    pdf = render_cesja_declaration(form_data(PERSON_PARTY, FIRM_PARTY))
    text = flat(text_of(pdf))

    for expected in [
        "Łukasz Źródłowski",
        f"PESEL: {PESEL_JAN}",
        "ul. Żółkiewskiego 7 m. 12",
        "90-001 Łódź",
        "lukasz.zrodlowski@example.pl",
        "Pracownia Gęślą Jaźń ĄĆĘŁŃÓŚŹŻ sp. z o.o.",
        f"NIP: {NIP_VALID}",
        f"REGON: {REGON_VALID}",
        f"KRS: {KRS_VALID}",
        "ul. Świętokrzyska 30",
        "Małgorzata Wiśniewska – Prezes Zarządu",
        "Grzegorz Dąbrowski – Członek Zarządu",
        "Reprezentanci łącznie",
        "żółtyrower.pl",
        "xn--tyrower-k0a52e8r.pl",
        "kowalski.com.pl",
        "Zakup domeny (umowa sprzedaży)",
        "CES/2026/000123/1",
        "ACDE-FG34",
        "OŚWIADCZENIE O CESJI PRAW DO DOMENY INTERNETOWEJ",
        "Cedent – dotychczasowy abonent",
        "Cesjonariusz – nowy abonent",
        # The organisation's signature block, one line per representative, and the stamp.
        "Podpisy osób uprawnionych do reprezentacji, pieczęć firmowa",
        "Małgorzata Wiśniewska, Prezes Zarządu",
        "Grzegorz Dąbrowski, Członek Zarządu",
        "Osoby uprawnione do reprezentacji podpisują łącznie.",
        "czytelny podpis: Łukasz Źródłowski",
        # Where to send it.
        "Pocztą",
        "Faksem",
        "Przez internet (skan lub zdjęcie)",
        "Osobiście",
        "Strona 1 z 2",
    ]:
        assert expected in text, expected
    for letter in LOWER + UPPER:
        assert letter in text, letter
    assert decoded_qr_codes(pdf, tmp_path) == [QR_TEXT]
    # The footer repeats the number and the code on every page.
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert "CES/2026/000123/1" in page.extract_text() and "ACDE-FG34" in page.extract_text()


def test_firm_to_person_swaps_the_signature_blocks(tmp_path):
    pdf = render_cesja_declaration(form_data(FIRM_PARTY, PERSON_PARTY))
    text = flat(text_of(pdf))
    assert text.index("Pracownia Gęślą Jaźń") < text.index("Łukasz Źródłowski")
    signatures = text[text.index("Podpisy") :]
    assert signatures.index("Podpisy osób uprawnionych") < signatures.index(
        "czytelny podpis: Łukasz Źródłowski"
    )
    assert decoded_qr_codes(pdf, tmp_path) == [QR_TEXT]


def test_civil_partnership_has_a_line_for_every_partner_and_unknown_signers_get_blank_lines():
    partnership = replace(
        FIRM_PARTY,
        name="Kwiaciarnia Róża s.c.",
        legal_form=Registrant.LegalForm.CIVIL_PARTNERSHIP,
        krs="",
        representation=Registrant.Representation.ALL_PARTNERS,
        representatives=(
            Representative("Ewa", "Różańska", "wspólnik"),
            Representative("Jerzy", "Łęcki", "wspólnik"),
            Representative("Zofia", "Żak", "wspólnik"),
        ),
    )
    nobody_known = replace(FIRM_PARTY, representatives=(), representation=Registrant.Representation.ALONE)
    text = flat(text_of(render_cesja_declaration(form_data(partnership, nobody_known))))
    for name in ("Ewa Różańska, wspólnik", "Jerzy Łęcki, wspólnik", "Zofia Żak, wspólnik"):
        assert name in text
    assert "Podpisują wszyscy wspólnicy spółki cywilnej." in text
    assert "KRS:" not in text.split("Cesjonariusz – nowy abonent")[1].split("NIP")[0]
    assert text.count("imię, nazwisko i funkcja") == 2
    assert "Wystarczy podpis jednej osoby uprawnionej do reprezentacji." in text


def test_the_declaration_is_pdf_a_3u():
    pdf = render_cesja_declaration(form_data(PERSON_PARTY, FIRM_PARTY))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.open_metadata().pdfa_status == "3U"
        assert str(doc.Root.Lang) == "pl"
        assert doc.check_pdf_syntax() == []


def test_english_on_request():
    text = flat(text_of(render_cesja_declaration(form_data(PERSON_PARTY, FIRM_PARTY), language="en")))
    assert "DECLARATION OF ASSIGNMENT OF DOMAIN NAME RIGHTS (CESJA)" in text
    assert "Signatures of the persons authorised to represent it, company stamp" in text
    assert "Limited liability company (sp. z o.o.)" in text
    assert "Page 1 of 2" in text
    # The parties' data is printed as given, in Polish.
    assert "Pracownia Gęślą Jaźń ĄĆĘŁŃÓŚŹŻ sp. z o.o." in text


def test_party_from_registrant(organisation_a, registrant_a):
    firm = Party.from_registrant(organisation_a)
    assert firm.is_organisation and firm.identifiers == [
        ("NIP", NIP_VALID),
        ("REGON", REGON_VALID),
        ("KRS", KRS_VALID),
    ]
    assert [r.full_name for r in firm.signers] == ["Marek Wiśniewski"]
    person = Party.from_registrant(registrant_a)
    assert (person.display_name, person.identifiers) == ("Jan Kowalski", [("PESEL", registrant_a.pesel)])


def test_a_form_needs_its_number_and_code():
    with pytest.raises(ValueError, match="document number"):
        render_cesja_declaration(form_data(PERSON_PARTY, FIRM_PARTY, document_number=""))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_correcting_the_data_issues_a_new_version_and_keeps_the_old(media_root, registrant_a, customer_a):
    case = registrant_a  # any model row stands for the case
    data = form_data(PERSON_PARTY, FIRM_PARTY, case_id=case.pk, document_number="", verification_code="")

    first = issue_form_version(case=case, kind=KIND, render=for_issue(data), language="pl", actor=customer_a)
    corrected = replace(data, cesjonariusz=replace(FIRM_PARTY, street="ul. Marszałkowska 140"))
    second = issue_form_version(
        case=case, kind=KIND, render=for_issue(corrected), language="pl", actor=customer_a
    )

    first.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.number.endswith(f"/{case.pk:06d}/1") and second.number.endswith(f"/{case.pk:06d}/2")
    assert parse_number(second.number).case_id == case.pk
    assert first.superseded_at is not None and first.superseded_by == second
    assert second.is_current and previous_version(second) == first
    assert current_form(case, KIND) == second
    assert form_versions(case, KIND) == [first, second]
    assert form_by_number(first.number.lower()) == first
    assert first.verification_code != second.verification_code
    assert (second.created_by, second.language, second.pages) == (customer_a, "pl", 2)

    for doc, street in ((first, "ul. Świętokrzyska 30"), (second, "ul. Marszałkowska 140")):
        stored = Path(doc.file.path).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == doc.sha256 and len(stored) == doc.size
        assert verify_stored_file(doc)
        text = flat(text_of(stored))
        assert doc.number in text and doc.verification_code in text and street in text
        assert f"Wersja {doc.version}" in text

    # A signed copy of the superseded version is refused, naming the current one.
    with pytest.raises(FormSuperseded) as refused:
        form_for_signed_copy(first.number, first.verification_code)
    assert refused.value.current == second and second.number in str(refused.value)
    assert form_for_signed_copy(second.number, second.verification_code.lower().replace("-", " ")) == second
    with pytest.raises(FormNotFound):
        form_for_signed_copy(second.number, "XXXX-XXXX")
    with pytest.raises(FormNotFound):
        form_for_signed_copy("CES/2026/999999/1")


def test_a_failed_render_leaves_no_version_and_no_file(media_root, registrant_a):
    def broken(number: str, code: str) -> bytes:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        issue_form_version(case=registrant_a, kind=KIND, render=broken, language="pl", actor=None)
    assert not GeneratedDocument.objects.exists()
    assert not list(Path(media_root).rglob("*.pdf"))


def test_render_artifacts_pl_and_en():
    """Leaves PNGs of both languages in test-artifacts/ for a person looking at the layout."""
    for language, (cedent, cesjonariusz) in {
        "pl": (PERSON_PARTY, FIRM_PARTY),
        "en": (FIRM_PARTY, PERSON_PARTY),
    }.items():
        pdf = render_cesja_declaration(form_data(cedent, cesjonariusz), language=language)
        pages = to_png(pdf, ARTIFACTS / f"cesja-declaration-{language}", 80)
        assert len(pages) == 2


@pytest.mark.django_db(transaction=True)
def test_two_corrections_at_once_become_consecutive_versions(media_root, registrant_a):
    pdf = render_cesja_declaration(form_data(PERSON_PARTY, FIRM_PARTY))
    barrier = threading.Barrier(2)

    def issue(_: int) -> str:
        try:
            barrier.wait(timeout=10)

            def render(number: str, code: str) -> bytes:
                # Widen the window in which a second issuer could pick the same version.
                time.sleep(0.3)
                return pdf

            return issue_form_version(case=registrant_a, kind=KIND, render=render, language="pl").number
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        numbers = sorted(pool.map(issue, range(2)))

    assert [parse_number(n).version for n in numbers] == [1, 2]
    versions = form_versions(registrant_a, KIND)
    assert [v.is_current for v in versions] == [False, True]
    assert versions[0].superseded_by == versions[1]
