"""The cesja declaration: what it says (plain dataclasses, so that the cesja workflow can
build it from its own models without this module knowing them) and how it is rendered.

The form is what the registrar relies on to take a domain from one holder and give it to
another, so it carries everything staff check on the signed paper: both parties' full data,
the domains, the reason, the document number and verification code of this very version,
and a QR code that leads staff to the case and names this version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

import idna
import segno
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant

from .rendering import PdfRenderer, get_renderer

# The query parameter of the QR code's address that names the form version (as codes.py reads).
FORM_PARAMETER = "form"

TEMPLATE = "documents/cesja_declaration.html"

PERSON = "person"
ORGANISATION = "organisation"

# Demo values; a deployment sets DOCUMENTS_REGISTRAR in its settings (any subset of keys).
DEFAULT_REGISTRAR: dict[str, Any] = {
    "name": "RegFlow Rejestrator sp. z o.o.",
    "department": "Biuro Obsługi Klienta – zespół domen",
    "address_lines": ["ul. Domenowa 12", "00-950 Warszawa"],
    "fax": "+48 22 100 20 30",
    "email": "bok@regflow.example.pl",
    "phone": "+48 22 100 20 00",
    "in_person_address_lines": ["ul. Domenowa 12, parter, pokój 4", "00-950 Warszawa"],
    "office_hours": _("Monday to Friday, 9:00–17:00"),
}

Text = str | Promise


@dataclass(frozen=True)
class Representative:
    first_name: str
    last_name: str
    function: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Party:
    """One side of the cesja, as printed: a person or an organisation."""

    kind: str  # PERSON or ORGANISATION
    street: str
    postal_code: str
    city: str
    country: str = "PL"
    email: str = ""
    phone: str = ""
    # a person
    first_name: str = ""
    last_name: str = ""
    pesel: str = ""
    # an organisation
    name: str = ""
    legal_form: str = ""  # a Registrant.LegalForm value
    nip: str = ""
    regon: str = ""
    krs: str = ""
    representation: str = ""  # a Registrant.Representation value
    representatives: tuple[Representative, ...] = ()

    @classmethod
    def from_registrant(cls, registrant: Registrant) -> Party:
        """The party as the registrant's profile states it now (a snapshot for the form)."""
        common = {
            "kind": registrant.kind,
            "street": registrant.street,
            "postal_code": registrant.postal_code,
            "city": registrant.city,
            "country": registrant.country,
            "email": registrant.email,
            "phone": registrant.phone,
        }
        if registrant.kind == Registrant.Kind.PERSON:
            return cls(
                **common,
                first_name=registrant.first_name,
                last_name=registrant.last_name,
                pesel=registrant.pesel,
            )
        return cls(
            **common,
            name=registrant.name,
            legal_form=registrant.legal_form,
            nip=registrant.nip,
            regon=registrant.regon,
            krs=registrant.krs,
            representation=registrant.representation,
            representatives=tuple(
                Representative(r.first_name, r.last_name, r.function)
                for r in registrant.representatives.all()
            ),
        )

    @property
    def is_organisation(self) -> bool:
        return self.kind == ORGANISATION

    @property
    def display_name(self) -> str:
        return self.name if self.is_organisation else f"{self.first_name} {self.last_name}".strip()

    @property
    def legal_form_label(self) -> Text:
        # Looked up when printed, so it comes out in the form's language.
        try:
            return Registrant.LegalForm(self.legal_form).label
        except ValueError:
            return self.legal_form

    @property
    def representation_label(self) -> Text:
        try:
            return Registrant.Representation(self.representation).label
        except ValueError:
            return self.representation

    @property
    def identifiers(self) -> list[tuple[str, str]]:
        if not self.is_organisation:
            return [("PESEL", self.pesel)]
        ids = [("NIP", self.nip), ("REGON", self.regon)]
        if self.krs:
            ids.append(("KRS", self.krs))
        return ids

    @property
    def address_lines(self) -> list[str]:
        lines = [self.street, f"{self.postal_code} {self.city}".strip()]
        if self.country and self.country.upper() != "PL":
            lines.append(self.country.upper())
        return lines

    @property
    def signers(self) -> list[Representative | None]:
        """Who signs for the party: one line each. ``None`` is a blank line to fill in.

        A person signs alone. For an organisation every representative we know of gets a
        line (jointly and in a civil partnership all of them must sign; "alone" means any one
        of them suffices, but the others may sign too); with none known, two blank lines.
        """
        if not self.is_organisation:
            return [Representative(self.first_name, self.last_name)]
        return list(self.representatives) or [None, None]

    @property
    def signing_rule(self) -> Text:
        if self.representation == Registrant.Representation.ALONE:
            return _("The signature of one person authorised to represent the organisation is enough.")
        if self.representation == Registrant.Representation.JOINTLY:
            return _("The persons authorised to represent the organisation sign jointly.")
        if self.representation == Registrant.Representation.ALL_PARTNERS:
            return _("Every partner of the civil partnership signs.")
        return ""


@dataclass(frozen=True)
class Domain:
    unicode: str
    ascii: str

    @classmethod
    def of(cls, name: str) -> Domain:
        ascii_name = idna.encode(name, uts46=True).decode("ascii").lower()
        return cls(unicode=idna.decode(ascii_name), ascii=ascii_name)

    @property
    def is_idn(self) -> bool:
        return self.unicode != self.ascii


@dataclass(frozen=True)
class Registrar:
    """Who we are and where the signed form goes."""

    name: str
    department: str
    address_lines: Sequence[str]
    fax: str
    email: str
    phone: str
    in_person_address_lines: Sequence[str]
    office_hours: Text

    @classmethod
    def from_settings(cls) -> Registrar:
        return cls(**{**DEFAULT_REGISTRAR, **getattr(settings, "DOCUMENTS_REGISTRAR", {})})


def staff_url(path: str) -> str:
    """An absolute address on the staff side, for the QR code."""
    return settings.TRANSFERS_SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class CesjaFormData:
    """Everything the cesja declaration prints. ``document_number``, ``verification_code``
    and ``version`` are filled in by :func:`for_issue` when a version is issued."""

    case_id: int
    case_url: str  # absolute, staff side: the QR code leads there
    cedent: Party
    cesjonariusz: Party
    domains: Sequence[str]  # U-labels (A-labels are accepted and shown as U-labels)
    reason: Text
    upload_url: str  # where the customer uploads the signed scan (customer side, absolute)
    document_number: str = ""
    verification_code: str = ""
    version: int = 1
    issued_on: date = field(default_factory=timezone.localdate)
    registrar: Registrar = field(default_factory=Registrar.from_settings)

    @property
    def domain_names(self) -> list[Domain]:
        return [Domain.of(name) for name in self.domains]

    @property
    def qr_payload(self) -> str:
        """The case's staff address with this version's document number: a scanned copy tells
        which form, and which version of it, it really is (``documents.codes`` reads it)."""
        query = urlencode({FORM_PARAMETER: self.document_number}, safe="/")
        return f"{self.case_url}{'&' if '?' in self.case_url else '?'}{query}"

    @property
    def qr_svg(self) -> SafeString:
        # Error correction M survives a stamp or a fold over part of the code on a scan.
        qr = segno.make(self.qr_payload, error="m", micro=False)
        return mark_safe(  # noqa: S308 - segno's own SVG; the URL inside is XML-escaped by segno
            qr.svg_inline(scale=2.2, border=2, dark="#000", light="#fff")
        )


def declaration_context(data: CesjaFormData, language: str) -> dict[str, Any]:
    return {
        "form": data,
        "language": language,
        "parties": [data.cedent, data.cesjonariusz],
        "qr_svg": data.qr_svg,
        # Inside running text the number must not break at its slashes.
        "number_nowrap": format_html('<span class="nowrap">{}</span>', data.document_number),
    }


def render_cesja_declaration(
    data: CesjaFormData, language: str = "pl", *, renderer: PdfRenderer | None = None
) -> bytes:
    """The cesja declaration as PDF bytes (PDF/A-3u, A4), by the worker's warm renderer
    unless another is given."""
    if not data.document_number or not data.verification_code:
        raise ValueError("A cesja declaration needs its document number and verification code.")
    renderer = renderer or get_renderer()
    return renderer.render_template(TEMPLATE, declaration_context(data, language), language=language)


def for_issue(data: CesjaFormData, language: str = "pl") -> Callable[[str, str], bytes]:
    """The ``render`` callable for ``documents.services.issue_form_version``: it fills in the
    number, verification code and version the service chose, then renders."""
    from .services import parse_number

    def render(number: str, verification_code: str) -> bytes:
        filled = replace(
            data,
            document_number=number,
            verification_code=verification_code,
            version=parse_number(number).version,
        )
        return render_cesja_declaration(filled, language)

    return render
