"""What the sandbox registry holds when it is seeded for the demo and the tests.

The registry side only: registrars, contacts, domains and their authinfo codes. The product's
own demo seed (customers, registrant profiles) refers to the contact handles named here.
Dates are offsets in days from the moment of seeding, so that "registered two days ago"
stays true whenever the demo is started.
"""

from __future__ import annotations

from dataclasses import dataclass, field

US = "regflow"


@dataclass(frozen=True)
class DemoRegistrar:
    client_id: str
    name: str
    password: str
    is_us: bool = False


@dataclass(frozen=True)
class DemoContact:
    handle: str
    sponsor: str
    name: str
    org: str
    street: str
    city: str
    postal_code: str
    email: str
    voice: str
    country: str = "PL"


@dataclass(frozen=True)
class DemoDomain:
    name: str  # A-label
    sponsor: str
    registrant: str  # contact handle
    authinfo: str
    created_days_ago: int
    expires_in_days: int
    statuses: tuple[str, ...] = ()
    transferred_days_ago: int | None = None
    note: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


REGISTRARS = [
    DemoRegistrar(US, "RegFlow Rejestrator", "sandbox-regflow-pw", is_us=True),
    DemoRegistrar("nordhost", "NordHost sp. z o.o.", "sandbox-nordhost-pw"),
    DemoRegistrar("webpartner", "WebPartner S.A.", "sandbox-webpartner-pw"),
]

CONTACTS = [
    DemoContact(
        "C-JKOWALSKI",
        US,
        "Jan Kowalski",
        "",
        "ul. Długa 12/4",
        "Kraków",
        "31-147",
        "jan.kowalski@example.pl",
        "+48.123456789",
    ),
    DemoContact(
        "C-ANOWAK",
        US,
        "Anna Nowak",
        "",
        "ul. Źródlana 3",
        "Łódź",
        "90-001",
        "anna.nowak@example.pl",
        "+48.600100200",
    ),
    DemoContact(
        "C-PIEKARNIA",
        US,
        "Marek Wiśniewski",
        "Piekarnia Zdrowie sp. z o.o.",
        "ul. Chlebowa 7",
        "Poznań",
        "60-101",
        "biuro@piekarnia-zdrowie.example.pl",
        "+48.618001122",
    ),
    DemoContact(
        "N-OGRODNIK",
        "nordhost",
        "Jan Kowalski",
        "",
        "ul. Długa 12/4",
        "Kraków",
        "31-147",
        "jan.kowalski@example.pl",
        "+48.123456789",
    ),
    DemoContact(
        "N-KWIATY",
        "nordhost",
        "Anna Nowak",
        "",
        "ul. Źródlana 3",
        "Łódź",
        "90-001",
        "anna.nowak@example.pl",
        "+48.600100200",
    ),
    DemoContact(
        "W-BIURO",
        "webpartner",
        "Marek Wiśniewski",
        "Piekarnia Zdrowie sp. z o.o.",
        "ul. Chlebowa 7",
        "Poznań",
        "60-101",
        "biuro@piekarnia-zdrowie.example.pl",
        "+48.618001122",
    ),
    DemoContact(
        "W-OBCY",
        "webpartner",
        "Zofia Zając",
        "",
        "ul. Polna 1",
        "Gdańsk",
        "80-001",
        "zofia.zajac@example.pl",
        "+48.580000001",
    ),
]

DOMAINS = [
    # held by us
    DemoDomain("kowalski.pl", US, "C-JKOWALSKI", "Kow-Demo-7Hq2-Lp9x", 2400, 200),
    DemoDomain(
        "xn--tyrower-k0a52e8r.pl", US, "C-JKOWALSKI", "Rower-Demo-4Tg8-Mn3c", 900, 95
    ),  # żółtyrower.pl
    DemoDomain(
        "sklep-kowalski.pl",
        US,
        "C-JKOWALSKI",
        "Sklep-Demo-2Wq7-Bx5k",
        1500,
        60,
        statuses=("clientTransferProhibited",),
        note="locked by its registrant",
    ),
    DemoDomain("nowak-design.com", US, "C-ANOWAK", "Nowak-Demo-9Rt4-Vc6d", 700, 300),
    DemoDomain("piekarnia-zdrowie.pl", US, "C-PIEKARNIA", "Piek-Demo-3Yu6-Zs8f", 3000, 120),
    DemoDomain("chleb-na-zakwasie.pl", US, "C-PIEKARNIA", "Chleb-Demo-8Kp1-Jd4r", 400, 25),
    # held by other registrars: the demo transfers them in with these codes
    DemoDomain(
        "ogrodnik.pl", "nordhost", "N-OGRODNIK", "Ogrod-Demo-5Hn2-Qw7e", 1200, 180, note="transferable"
    ),
    DemoDomain(
        "kwiaciarnia-nowak.pl", "nordhost", "N-KWIATY", "Kwiat-Demo-6Jm3-Er8t", 800, 150, note="transferable"
    ),
    DemoDomain(
        "zablokowana.pl",
        "nordhost",
        "N-OGRODNIK",
        "Blok-Demo-1Zx9-Ty2u",
        600,
        100,
        statuses=("clientTransferProhibited",),
        note="locked: a transfer is refused",
    ),
    DemoDomain(
        "swieza-domena.pl",
        "nordhost",
        "N-KWIATY",
        "Swieza-Demo-7Vb4-Io3p",
        2,
        363,
        note="registered two days ago: inside the .pl lock window",
    ),
    DemoDomain(
        "biuro-piekarni.pl", "webpartner", "W-BIURO", "Biuro-Demo-2Nm5-As4d", 1000, 40, note="transferable"
    ),
    DemoDomain(
        "usuwana.pl",
        "webpartner",
        "W-OBCY",
        "Usuw-Demo-9Lk8-Fg6h",
        900,
        -20,
        statuses=("pendingDelete",),
        note="pendingDelete: a transfer is refused",
    ),
    DemoDomain(
        "zajac-foto.com", "webpartner", "W-OBCY", "Zajac-Demo-4Cx1-Hj9k", 500, 220, note="transferable (gTLD)"
    ),
]

TLDS = {"pl": "NASK", "com": "Verisign", "net": "Verisign", "eu": "EURid"}
