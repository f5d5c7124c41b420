"""Accounts (who logs in) and parties (who holds domains: the registrants, *Abonenci*)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.roles import BACK_OFFICE_ROLES, Role, Team

from .identifiers import validate_krs, validate_nip, validate_pesel, validate_regon


class User(AbstractUser):
    """Anyone who logs in: a customer, back-office staff, a supervisor or an auditor."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    team = models.CharField(
        _("team"),
        max_length=16,
        choices=Team.choices,
        blank=True,
        help_text=_("The back-office team of staff and supervisors."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("pl", _("Polish")), ("en", _("English"))],
        default="pl",
        help_text=_("Language of the panel and of the e-mails we send."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Granted by role and team (accounts.backends), never assigned by hand.
        permissions = [
            ("team_domains", _("Works in the domains team queue")),
            ("team_servers", _("Works in the servers team queue")),
            ("team_websites", _("Works in the websites team queue")),
            ("team_billing", _("Works in the invoices and payments team queue")),
            ("team_technical", _("Works in the technical team queue")),
            ("supervise", _("Supervises back-office teams")),
            ("audit", _("Reads the complete history")),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role in BACK_OFFICE_ROLES and not self.team:
            raise ValidationError({"team": _("Back-office staff and supervisors belong to a team.")})
        if self.role not in BACK_OFFICE_ROLES and self.team:
            raise ValidationError({"team": _("Only back-office staff belong to a team.")})

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_back_office(self) -> bool:
        return self.role in BACK_OFFICE_ROLES

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Address(models.Model):
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=16)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="PL", help_text=_("ISO 3166 code"))

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        return [self.street, f"{self.postal_code} {self.city}", self.country]


class Registrant(Address):
    """A registrant profile (*Abonent*): a person or an organisation holding domains.

    One customer account may hold several profiles (for example the person and their firm).
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class LegalForm(models.TextChoices):
        SOLE_TRADER = "sole_trader", _("Sole trader (CEIDG)")
        CIVIL_PARTNERSHIP = "civil_partnership", _("Civil partnership (spółka cywilna)")
        GENERAL_PARTNERSHIP = "general_partnership", _("General partnership (sp. j.)")
        PROFESSIONAL_PARTNERSHIP = "professional_partnership", _("Professional partnership (sp. p.)")
        LIMITED_PARTNERSHIP = "limited_partnership", _("Limited partnership (sp. k.)")
        JOINT_STOCK_PARTNERSHIP = "joint_stock_partnership", _("Limited joint-stock partnership (S.K.A.)")
        LLC = "llc", _("Limited liability company (sp. z o.o.)")
        SIMPLE_JOINT_STOCK = "simple_joint_stock", _("Simple joint-stock company (P.S.A.)")
        JOINT_STOCK = "joint_stock", _("Joint-stock company (S.A.)")
        COOPERATIVE = "cooperative", _("Cooperative")
        FOUNDATION = "foundation", _("Foundation")
        ASSOCIATION = "association", _("Association")
        OTHER = "other", _("Other")

    # Forms entered in the National Court Register (KRS); the others have no KRS number.
    KRS_FORMS = frozenset(
        {
            LegalForm.GENERAL_PARTNERSHIP,
            LegalForm.PROFESSIONAL_PARTNERSHIP,
            LegalForm.LIMITED_PARTNERSHIP,
            LegalForm.JOINT_STOCK_PARTNERSHIP,
            LegalForm.LLC,
            LegalForm.SIMPLE_JOINT_STOCK,
            LegalForm.JOINT_STOCK,
            LegalForm.COOPERATIVE,
            LegalForm.FOUNDATION,
            LegalForm.ASSOCIATION,
        }
    )

    class Representation(models.TextChoices):
        ALONE = "alone", _("Each representative alone")
        JOINTLY = "jointly", _("Representatives jointly")
        ALL_PARTNERS = "all_partners", _("All partners together")

    account = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="registrants", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # person
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    pesel = models.CharField("PESEL", max_length=11, blank=True, db_index=True)
    # organisation
    name = models.CharField(_("name"), max_length=255, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=32, choices=LegalForm.choices, blank=True)
    nip = models.CharField("NIP", max_length=10, blank=True, db_index=True)
    regon = models.CharField("REGON", max_length=14, blank=True, db_index=True)
    krs = models.CharField("KRS", max_length=10, blank=True, db_index=True)
    representation = models.CharField(
        _("representation"), max_length=16, choices=Representation.choices, blank=True
    )
    # contact
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # the contact handle at the registry, once created there
    registry_handle = models.CharField(_("registry contact ID"), max_length=16, blank=True)
    # Made from the contact a registry holds (a domain transferred in), not entered by the
    # customer: it carries no identifiers until someone completes it.
    from_registry = models.BooleanField(_("as the registry holds it"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("registrant")
        verbose_name_plural = _("registrants")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="person", name="", nip="", regon="", krs="") & ~models.Q(pesel=""))
                | (models.Q(kind="organisation", pesel="") & ~models.Q(nip=""))
                | models.Q(from_registry=True),
                name="registrant_identifier_by_kind",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.PERSON:
            return f"{self.first_name} {self.last_name}".strip()
        return self.name

    @property
    def identifiers(self) -> dict[str, str]:
        """The identifiers that name this party, for forms, search and verification."""
        if self.kind == self.Kind.PERSON:
            return {"PESEL": self.pesel}
        ids = {"NIP": self.nip, "REGON": self.regon}
        if self.krs:
            ids["KRS"] = self.krs
        return ids

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}

        def check(field: str, validator) -> None:
            try:
                setattr(self, field, validator(getattr(self, field)))
            except ValidationError as exc:
                errors.setdefault(field, []).extend(exc.messages)

        def require(*fields: str) -> None:
            for field in fields:
                if not getattr(self, field):
                    errors.setdefault(field, []).append(_("This field is required."))

        if self.kind == self.Kind.PERSON:
            require("first_name", "last_name", "pesel")
            if self.pesel:
                check("pesel", validate_pesel)
            for field in ("name", "legal_form", "nip", "regon", "krs", "representation"):
                if getattr(self, field):
                    errors.setdefault(field, []).append(_("A person has no such data."))
        elif self.kind == self.Kind.ORGANISATION:
            require("name", "legal_form", "nip", "regon", "representation")
            if self.nip:
                check("nip", validate_nip)
            if self.regon:
                check("regon", validate_regon)
            if self.legal_form in self.KRS_FORMS:
                require("krs")
            elif self.krs and self.legal_form:
                errors.setdefault("krs", []).append(
                    _("This legal form is not entered in the KRS; leave the KRS number empty.")
                )
            if self.krs:
                check("krs", validate_krs)
            if (
                self.legal_form == self.LegalForm.CIVIL_PARTNERSHIP
                and self.representation
                and self.representation != self.Representation.ALL_PARTNERS
            ):
                errors.setdefault("representation", []).append(
                    _("A civil partnership is represented by all its partners together.")
                )
            if self.pesel or self.first_name or self.last_name:
                errors.setdefault("pesel", []).append(
                    _("An organisation is named by NIP, REGON and KRS, not by a person's data.")
                )
        if errors:
            raise ValidationError(errors)


class Representative(models.Model):
    """A person entitled to represent an organisation (board member, partner, proxy)."""

    registrant = models.ForeignKey(Registrant, on_delete=models.CASCADE, related_name="representatives")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    function = models.CharField(
        _("function"), max_length=100, help_text=_("e.g. President of the Board, partner")
    )
    pesel = models.CharField("PESEL", max_length=11, blank=True, validators=[validate_pesel])

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.function})"
