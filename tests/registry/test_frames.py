"""Every frame the client builds is valid against the shipped EPP schemas, carries its clTRID
and puts each value where RFC 5730-5733 say."""

from __future__ import annotations

import pytest
from lxml import etree

from registry.epp import EppClient, TcpTlsTransport, frames
from registry.epp.data import ContactData
from registry.epp.namespaces import CONTACT, DOMAIN, EPP, LOGIN_SEC, q
from registry.epp.results import ClientConfigurationError, FrameInvalid
from registry.epp.schema import frame_errors, validate_frame

TRID = "regflow-0123456789abcdef"
CONTACT_DATA = ContactData(
    handle="K-TEST-1",
    name="Zofia Zając",
    org="Piekarnia Zdrowie sp. z o.o.",
    street=("ul. Długa 12/4", "II piętro"),
    city="Kraków",
    postal_code="31-147",
    country="PL",
    email="zofia@example.pl",
    voice="+48.123456789",
)

BUILT = {
    "hello": lambda: frames.hello(),
    "login": lambda: frames.login("regflow", "short-pw-1", cl_trid=TRID),
    "login with a long password": lambda: frames.login(
        "regflow", "a-password-longer-than-16", cl_trid=TRID, login_security=True, user_agent="regflow"
    ),
    "login changing the password": lambda: frames.login(
        "regflow",
        "short-pw-1",
        new_password="a-new-password-longer-than-16",
        cl_trid=TRID,
        login_security=True,
    ),
    "logout": lambda: frames.logout(cl_trid=TRID),
    "domain check": lambda: frames.domain_check(["kowalski.pl", "xn--tyrower-k0a52e8r.pl"], cl_trid=TRID),
    "domain info": lambda: frames.domain_info("kowalski.pl", cl_trid=TRID),
    "domain info with authInfo": lambda: frames.domain_info("kowalski.pl", authinfo="Kow-Demo", cl_trid=TRID),
    "domain update statuses": lambda: frames.domain_update(
        "kowalski.pl", add_statuses=["clientTransferProhibited"], remove_statuses=["clientHold"], cl_trid=TRID
    ),
    "domain update registrant and authInfo": lambda: frames.domain_update(
        "kowalski.pl", registrant="C-ANOWAK", authinfo="New-Code-123", cl_trid=TRID
    ),
    "domain update removing authInfo": lambda: frames.domain_update(
        "kowalski.pl", remove_authinfo=True, cl_trid=TRID
    ),
    "transfer request": lambda: frames.domain_transfer(
        "request", "ogrodnik.pl", authinfo="Ogrod", cl_trid=TRID
    ),
    "transfer request with a period": lambda: frames.domain_transfer(
        "request", "zajac-foto.com", authinfo="Zajac", period_years=2, cl_trid=TRID
    ),
    "transfer query": lambda: frames.domain_transfer("query", "ogrodnik.pl", cl_trid=TRID),
    "transfer query with authInfo": lambda: frames.domain_transfer(
        "query", "ogrodnik.pl", authinfo="Ogrod", cl_trid=TRID
    ),
    "transfer approve": lambda: frames.domain_transfer("approve", "ogrodnik.pl", cl_trid=TRID),
    "transfer reject": lambda: frames.domain_transfer("reject", "ogrodnik.pl", cl_trid=TRID),
    "transfer cancel": lambda: frames.domain_transfer("cancel", "ogrodnik.pl", cl_trid=TRID),
    "contact create": lambda: frames.contact_create(CONTACT_DATA, "Contact-Code-1", cl_trid=TRID),
    "contact info": lambda: frames.contact_info("K-TEST-1", cl_trid=TRID),
    "contact info with authInfo": lambda: frames.contact_info(
        "K-TEST-1", authinfo="Contact-Code-1", cl_trid=TRID
    ),
    "poll request": lambda: frames.poll_request(cl_trid=TRID),
    "poll ack": lambda: frames.poll_ack("42", cl_trid=TRID),
}


@pytest.mark.parametrize("kind", BUILT)
def test_every_built_frame_is_schema_valid(kind):
    frame = BUILT[kind]()
    assert frame.startswith(b"<?xml version='1.0' encoding='UTF-8'")
    assert frame_errors(frame) == []
    root = etree.fromstring(frame)
    if kind != "hello":
        assert root.findtext(f"{q(EPP, 'command')}/{q(EPP, 'clTRID')}") == TRID


def test_the_validator_finds_what_is_wrong():
    frame = frames.domain_transfer("query", "ogrodnik.pl", cl_trid=TRID).replace(b'op="query"', b'op="steal"')
    errors = frame_errors(frame)
    assert errors and "transfer" in errors[0]
    with pytest.raises(FrameInvalid):
        validate_frame(frame)


def test_schema_errors_never_quote_the_value():
    # libxml2 would say "The value 'abc' has a length of 3": a password must not travel on
    frame = frames.login("regflow", "short-pw-1", cl_trid=TRID).replace(b"short-pw-1", b"abc")
    errors = frame_errors(frame)
    assert errors and not any("abc" in e for e in errors)


def test_values_land_in_the_elements_the_rfcs_name():
    root = etree.fromstring(BUILT["transfer request with a period"]())
    transfer = root.find(f"{q(EPP, 'command')}/{q(EPP, 'transfer')}")
    assert transfer.get("op") == "request"
    domain = transfer.find(q(DOMAIN, "transfer"))
    assert domain.findtext(q(DOMAIN, "name")) == "zajac-foto.com"
    assert domain.find(q(DOMAIN, "period")).get("unit") == "y"
    assert domain.findtext(f"{q(DOMAIN, 'authInfo')}/{q(DOMAIN, 'pw')}") == "Zajac"

    root = etree.fromstring(BUILT["contact create"]())
    create = root.find(f"{q(EPP, 'command')}/{q(EPP, 'create')}/{q(CONTACT, 'create')}")
    assert [s.text for s in create.iter(q(CONTACT, "street"))] == ["ul. Długa 12/4", "II piętro"]
    assert create.findtext(q(CONTACT, "email")) == "zofia@example.pl"


def test_a_password_that_fits_rfc_5730_stays_in_pw():
    root = etree.fromstring(frames.login("regflow", "short-pw-1", cl_trid=TRID, login_security=True))
    login = root.find(f"{q(EPP, 'command')}/{q(EPP, 'login')}")
    assert login.findtext(q(EPP, "pw")) == "short-pw-1"
    assert root.find(f"{q(EPP, 'command')}/{q(EPP, 'extension')}") is None


def test_a_longer_password_travels_in_the_login_security_extension():
    root = etree.fromstring(BUILT["login changing the password"]())
    command = root.find(q(EPP, "command"))
    login = command.find(q(EPP, "login"))
    assert login.findtext(q(EPP, "pw")) == "short-pw-1"  # fits: stays where it is
    assert login.findtext(q(EPP, "newPW")) == frames.LOGIN_SECURITY_SENTINEL
    sec = command.find(f"{q(EPP, 'extension')}/{q(LOGIN_SEC, 'loginSec')}")
    assert sec.findtext(q(LOGIN_SEC, "newPW")) == "a-new-password-longer-than-16"
    assert sec.find(q(LOGIN_SEC, "pw")) is None
    assert LOGIN_SEC in [e.text for e in login.iter(q(EPP, "extURI"))]


def test_a_long_password_cannot_be_sent_to_a_registry_without_login_security():
    with pytest.raises(ClientConfigurationError, match="6 to 16 characters"):
        frames.login("regflow", "a-password-longer-than-16", cl_trid=TRID)


@pytest.mark.parametrize(
    "build",
    [
        lambda: frames.domain_transfer("request", "ogrodnik.pl", cl_trid=TRID),
        lambda: frames.domain_transfer("seize", "ogrodnik.pl", cl_trid=TRID),
        lambda: frames.domain_transfer("query", "ogrodnik.pl", period_years=1, cl_trid=TRID),
        lambda: frames.domain_update("kowalski.pl", cl_trid=TRID),
        lambda: frames.domain_update("kowalski.pl", authinfo="x" * 10, remove_authinfo=True, cl_trid=TRID),
        lambda: frames.domain_check([], cl_trid=TRID),
        lambda: frames.domain_info("kowalski.pl", cl_trid="ab"),
        lambda: frames.domain_info("kowalski.pl", cl_trid="has space"),
        lambda: frames.poll_ack("", cl_trid=TRID),
    ],
)
def test_builders_refuse_commands_that_cannot_be_right(build):
    with pytest.raises(ValueError):
        build()


def test_every_cl_trid_is_unique_and_names_the_client():
    client = EppClient(
        TcpTlsTransport("127.0.0.1", 1, ca_file=None), client_id="webpartner", password="not-used-here"
    )
    trids = {client.new_cl_trid() for _ in range(1000)}
    assert len(trids) == 1000
    assert all(t.startswith("webpartner-") and 3 <= len(t) <= 64 for t in trids)
    assert "not-used-here" not in repr(client)


def test_the_epp_core_and_the_sandbox_do_without_django():
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys, registry.epp, registry.epp.reconcile, registry.sandbox.server, "
        "registry.sandbox.seed; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_errors_survive_pickling():
    # exceptions cross process boundaries (multiprocessing, pickling result backends)
    import pickle

    from registry.epp.results import CommandOutcomeUnknown, InvalidAuthInfo

    lost = pickle.loads(pickle.dumps(CommandOutcomeUnknown("answer lost", cl_trid="regflow-1")))  # noqa: S301
    assert (str(lost), lost.cl_trid) == ("answer lost", "regflow-1")
    refused = InvalidAuthInfo(code=2202, message="Invalid authorization information")
    refused = pickle.loads(pickle.dumps(refused))  # noqa: S301
    assert isinstance(refused, InvalidAuthInfo) and refused.code == 2202
