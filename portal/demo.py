"""The demo: people, registrant profiles and the domains we hold, matching the sandbox
registry's seed (registry/sandbox/demo_data.py) contact by contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant, Representative, User
from registry.models import Domain, Registrar, Tld
from registry.sandbox import demo_data
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType
from workflows.roles import Role, Team

DEMO_PASSWORD = "demo-Haslo-2026"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    team: str
    first_name: str
    last_name: str
    email: str
    language: str = "pl"


LOGINS = [
    DemoLogin("jan.kowalski", Role.CUSTOMER, "", "Jan", "Kowalski", "jan.kowalski@example.pl"),
    DemoLogin("anna.nowak", Role.CUSTOMER, "", "Anna", "Nowak", "anna.nowak@example.pl", "en"),
    DemoLogin(
        "marek.wisniewski", Role.CUSTOMER, "", "Marek", "Wiśniewski", "biuro@piekarnia-zdrowie.example.pl"
    ),
    DemoLogin("bok.domeny", Role.STAFF, Team.DOMAINS, "Ewa", "Domańska", "domeny@regflow.example.pl"),
    DemoLogin("bok.serwery", Role.STAFF, Team.SERVERS, "Tomasz", "Serwecki", "serwery@regflow.example.pl"),
    DemoLogin("bok.www", Role.STAFF, Team.WEBSITES, "Olga", "Webowska", "www@regflow.example.pl"),
    DemoLogin("bok.faktury", Role.STAFF, Team.BILLING, "Piotr", "Rachunek", "faktury@regflow.example.pl"),
    DemoLogin(
        "bok.technika", Role.STAFF, Team.TECHNICAL, "Karol", "Techniczny", "technika@regflow.example.pl"
    ),
    DemoLogin(
        "kierownik.bok", Role.SUPERVISOR, Team.DOMAINS, "Barbara", "Kierownik", "kierownik@regflow.example.pl"
    ),
    DemoLogin("audytor", Role.AUDITOR, "", "Adam", "Audytor", "audyt@regflow.example.pl"),
]

# Registrant profiles, keyed by the sandbox contact handle that stands for them at the registry.
PROFILES = {
    "C-JKOWALSKI": (
        "jan.kowalski",
        {
            "kind": Registrant.Kind.PERSON,
            "first_name": "Jan",
            "last_name": "Kowalski",
            "pesel": "85031204571",
            "street": "ul. Długa 12/4",
            "postal_code": "31-147",
            "city": "Kraków",
            "email": "jan.kowalski@example.pl",
            "phone": "+48 123 456 789",
        },
    ),
    "C-ANOWAK": (
        "anna.nowak",
        {
            "kind": Registrant.Kind.PERSON,
            "first_name": "Anna",
            "last_name": "Nowak",
            "pesel": "92071501236",
            "street": "ul. Źródlana 3",
            "postal_code": "90-001",
            "city": "Łódź",
            "email": "anna.nowak@example.pl",
            "phone": "+48 600 100 200",
        },
    ),
    "C-PIEKARNIA": (
        "marek.wisniewski",
        {
            "kind": Registrant.Kind.ORGANISATION,
            "name": "Piekarnia Zdrowie sp. z o.o.",
            "legal_form": Registrant.LegalForm.LLC,
            "nip": "5260104584",
            "regon": "146254782",
            "krs": "0000123456",
            "representation": Registrant.Representation.JOINTLY,
            "street": "ul. Chlebowa 7",
            "postal_code": "60-101",
            "city": "Poznań",
            "email": "biuro@piekarnia-zdrowie.example.pl",
            "phone": "+48 61 800 11 22",
        },
    ),
}

REPRESENTATIVES = {
    "C-PIEKARNIA": [
        ("Marek", "Wiśniewski", "Prezes Zarządu", "78010101237"),
        ("Zuzanna", "Wiśniewska", "Członek Zarządu", "02210534566"),
    ]
}

ADMIN_USERNAME = "admin"


def _event(summary: str, subject, domain_name: str = "") -> None:
    record_event(
        event_type=EventType.DOMAIN_CREATED if isinstance(subject, Domain) else EventType.REGISTRANT_CREATED,
        summary=summary,
        channel=Channel.SYSTEM,
        subject=subject,
        domain_name=domain_name,
        reason=history_text(_("demo data")),
    )


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create what the demo needs; running it again changes nothing that exists."""
    now = timezone.now()
    for name, registry_name in demo_data.TLDS.items():
        Tld.objects.get_or_create(name=name, defaults={"registry_name": registry_name})
    registrars = {}
    for reg in demo_data.REGISTRARS:
        registrars[reg.client_id], _created = Registrar.objects.get_or_create(
            client_id=reg.client_id, defaults={"name": reg.name, "is_us": reg.is_us}
        )

    users = {}
    for login in LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={
                "role": login.role,
                "team": login.team,
                "first_name": login.first_name,
                "last_name": login.last_name,
                "email": login.email,
                "language": login.language,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[login.username] = user
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create_superuser(
            ADMIN_USERNAME, "admin@regflow.example.pl", DEMO_PASSWORD, role=Role.STAFF, team=Team.TECHNICAL
        )

    profiles = {}
    for handle, (username, fields) in PROFILES.items():
        profile = Registrant.objects.filter(registry_handle=handle).first()
        if profile is None:
            profile = Registrant(account=users[username], registry_handle=handle, **fields)
            profile.full_clean()
            profile.save()
            for first, last, function, pesel in REPRESENTATIVES.get(handle, []):
                Representative.objects.create(
                    registrant=profile, first_name=first, last_name=last, function=function, pesel=pesel
                )
            _event(history_text(_("Registrant profile %(name)s created (demo data)"), name=profile), profile)
        profiles[handle] = profile

    for d in demo_data.DOMAINS:
        if d.sponsor != demo_data.US or Domain.objects.filter(name=d.name).exists():
            continue
        domain = Domain.objects.create(
            name=d.name,
            tld=Tld.objects.get(name=d.name.rsplit(".", 1)[-1]),
            sponsor=registrars[d.sponsor],
            registrant=profiles[d.registrant],
            statuses=list(d.statuses) or ["ok"],
            created_at=now - timedelta(days=d.created_days_ago),
            expires_at=now + timedelta(days=d.expires_in_days),
        )
        _event(
            history_text(_("Domain %(name)s recorded (demo data)"), name=domain.display_name),
            domain,
            domain.name,
        )
    return LOGINS
