"""The people of a seeded run: back-office staff of every team and auditors, customers, and
each customer's registrant profile (a person with a PESEL, or a company with NIP and REGON)."""

from __future__ import annotations

import random

from stdnum.pl import nip as nip_number
from stdnum.pl import pesel as pesel_number
from stdnum.pl import regon as regon_number

from accounts.models import Registrant, User
from workflows.roles import Role, Team

from .common import NO_PASSWORD, WORDS, VolumeReport, bulk

FIRST_NAMES = ["Jan", "Anna", "Piotr", "Maria", "Krzysztof", "Katarzyna", "Tomasz", "Agnieszka", "Paweł"]
LAST_NAMES = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
]
CITIES = ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Lublin"]


def _pesel(rng: random.Random) -> str:
    year, month, day = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
    body = f"{year:02d}{month:02d}{day:02d}{rng.randint(0, 9999):04d}"
    return body + pesel_number.calc_check_digit(body)


def _nip(rng: random.Random) -> str:
    # python-stdnum checks a NIP but does not compute its digit: try the ten candidates.
    body = f"{rng.randint(100, 999)}{rng.randint(0, 99999):05d}{rng.randint(0, 9)}"
    for digit in "0123456789":
        if nip_number.is_valid(body + digit):
            return body + digit
    return _nip(rng)  # a body whose check digit would be 10 is never issued


def _regon(rng: random.Random) -> str:
    body = f"{rng.randint(10000000, 99999999)}"
    return body + regon_number.calc_check_digit(body)


def seed_people(
    run: str, requests: int, rng: random.Random, report: VolumeReport
) -> tuple[list[User], list[User], list[Registrant]]:
    """Staff and auditors, then about one customer for five requests, each with a profile.
    Returns the domains team, the customers and their profiles, in the customers' order."""
    staff = bulk(
        User,
        [
            User(
                username=f"{run}-{team}-{index}",
                password=NO_PASSWORD,
                role=Role.SUPERVISOR if index == 0 else Role.STAFF,
                team=team,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"{run}-{team}-{index}@regflow.example.pl",
            )
            for team in Team.values
            for index in range(6)
        ]
        + [
            User(username=f"{run}-auditor-{index}", password=NO_PASSWORD, role=Role.AUDITOR)
            for index in range(2)
        ],
    )
    domain_staff = [person for person in staff if person.team == Team.DOMAINS]
    report.staff = {
        "staff": domain_staff[1].username,
        "supervisor": domain_staff[0].username,
        "auditor": staff[-1].username,
    }

    customer_count = max(2, requests // 5)
    customers = bulk(
        User,
        [
            User(
                username=f"{run}-c{index}",
                password=NO_PASSWORD,
                role=Role.CUSTOMER,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"{run}-c{index}@example.pl",
            )
            for index in range(customer_count)
        ],
    )
    registrants = []
    for index, customer in enumerate(customers):
        common = {
            "account": customer,
            "street": f"ul. Polna {index % 200 + 1}",
            "postal_code": f"{rng.randint(0, 99):02d}-{rng.randint(0, 999):03d}",
            "city": rng.choice(CITIES),
            "email": customer.email,
        }
        if index % 5 == 0:
            registrants.append(
                Registrant(
                    kind=Registrant.Kind.ORGANISATION,
                    name=f"{rng.choice(WORDS).capitalize()} {customer.last_name} sp. z o.o.",
                    legal_form=Registrant.LegalForm.LLC,
                    nip=_nip(rng),
                    regon=_regon(rng),
                    **common,
                )
            )
        else:
            registrants.append(
                Registrant(
                    kind=Registrant.Kind.PERSON,
                    first_name=customer.first_name,
                    last_name=customer.last_name,
                    pesel=_pesel(rng),
                    **common,
                )
            )
    registrants = bulk(Registrant, registrants)
    return domain_staff, customers, registrants
