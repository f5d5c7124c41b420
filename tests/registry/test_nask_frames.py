"""NASK's dialect as we write it: every frame our client builds for .pl validates against the
NASK schemas, carries what NASK asks for, and what NASK does not have is refused before sending."""

from __future__ import annotations

import pytest
from lxml import etree

from registry.epp import commands as cmd
from registry.epp.data import ContactData
from registry.epp.frames import NASK_FRAMES, RFC_FRAMES
from registry.epp.namespaces import NASK, RFC, q
from registry.epp.results import ClientConfigurationError
from registry.epp.schema import frame_errors

CONTACT = ContactData(
    "K-NOWY-1",
    "Anna Nowak",
    "Kraków",
    "PL",
    "anna@example.pl",
    street=("ul. Długa 1",),
    postal_code="30-001",
    individual=True,
)

COMMANDS = {
    "domain:check": cmd.domain_check("a.pl", "b.pl"),
    "domain:info": cmd.domain_info("a.pl"),
    "domain:info with code": cmd.domain_info("a.pl", "Kod-Transferu-123"),
    "lock": cmd.domain_update("a.pl", add_statuses=["clientTransferProhibited"]),
    "new code": cmd.domain_update("a.pl", authinfo="Nowy-Kod-1234567890ab"),
    "codes die": cmd.domain_update("a.pl", remove_authinfo=True),
    "registrant": cmd.domain_update("a.pl", registrant="K-NOWY-1"),
    "transfer request": cmd.transfer_request("a.pl", "Kod-Transferu-123"),
    "transfer query": cmd.transfer_query("a.pl", "Kod-Transferu-123"),
    "transfer cancel": cmd.transfer_cancel("a.pl", "Kod-Transferu-123"),
    "resend confirmation": cmd.transfer_resend_confirmation("a.pl", "Kod-Transferu-123"),
    "contact:create": cmd.contact_create(CONTACT, "Kod-Kontaktu-123"),
    "contact:info": cmd.contact_info("K-NOWY-1"),
    "contact:info with code": cmd.contact_info("K-NOWY-1", "Kod-Kontaktu-123"),
    "poll:req": cmd.poll_request(),
    "poll:ack": cmd.poll_ack("42"),
}


@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_every_command_is_valid_nask(kind):
    frame = COMMANDS[kind].frame("cltrid-1", NASK_FRAMES)
    assert frame_errors(frame, NASK) == []
    assert etree.fromstring(frame).tag == q(NASK.epp, "epp")


def test_session_frames_are_valid_nask():
    login = NASK_FRAMES.login("regflow", "a-password-longer-than-sixteen", cl_trid="cltrid-1")
    assert frame_errors(login, NASK) == []
    root = etree.fromstring(login)
    assert [e.text for e in root.iter(q(NASK.epp, "extURI"))] == [NASK.ext("extcon"), NASK.ext("extdom")]
    # no RFC 8807 at NASK: a long password goes in <pw> itself
    assert root.findtext(f".//{q(NASK.epp, 'pw')}") == "a-password-longer-than-sixteen"
    assert frame_errors(NASK_FRAMES.hello(), NASK) == []
    assert frame_errors(NASK_FRAMES.logout(cl_trid="cltrid-2"), NASK) == []


def test_what_nask_lacks_is_refused_before_sending():
    with pytest.raises(ClientConfigurationError, match="neither approves nor rejects"):
        cmd.transfer_approve("a.pl").frame("cltrid-1", NASK_FRAMES)
    with pytest.raises(ClientConfigurationError):
        cmd.transfer_reject("a.pl").frame("cltrid-1", NASK_FRAMES)
    with pytest.raises(ValueError, match="carries the domain's authInfo"):
        cmd.transfer_query("a.pl").frame("cltrid-1", NASK_FRAMES)
    with pytest.raises(ClientConfigurationError, match="6 to 64"):
        NASK_FRAMES.login("regflow", "x" * 65, cl_trid="cltrid-1")
    with pytest.raises(ClientConfigurationError, match="no transfer confirmation"):
        cmd.transfer_resend_confirmation("a.com", "Kod-Transferu-123").frame("cltrid-1", RFC_FRAMES)


def test_a_code_that_dies_at_nask_is_a_new_unknown_one():
    """NASK has no <domain:null/>: the code is replaced by one nobody is told, each time another."""
    first = cmd.domain_update("a.pl", remove_authinfo=True).frame("cltrid-1", NASK_FRAMES)
    second = cmd.domain_update("a.pl", remove_authinfo=True).frame("cltrid-1", NASK_FRAMES)
    pw = f".//{q(NASK.domain, 'pw')}"
    codes = {etree.fromstring(first).findtext(pw), etree.fromstring(second).findtext(pw)}
    assert len(codes) == 2 and all(len(code) >= 20 for code in codes)
    rfc = etree.fromstring(cmd.domain_update("a.com", remove_authinfo=True).frame("cltrid-1", RFC_FRAMES))
    assert rfc.find(f".//{q(RFC.domain, 'null')}") is not None


def test_nask_extensions_say_what_nask_wants():
    contact = etree.fromstring(COMMANDS["contact:create"].frame("cltrid-1", NASK_FRAMES))
    extcon = NASK.ext("extcon")
    assert contact.findtext(f".//{q(extcon, 'individual')}") == "1"
    firm = ContactData("K-FIRMA-1", "Jan Prezes", "Poznań", "PL", "a@firma.pl", org="Firma", individual=False)
    company = etree.fromstring(cmd.contact_create(firm, "Kod-Kontaktu-123").frame("c-2", NASK_FRAMES))
    assert company.findtext(f".//{q(extcon, 'individual')}") == "0"
    info = etree.fromstring(COMMANDS["contact:info with code"].frame("cltrid-1", NASK_FRAMES))
    # another registrar's contact code travels in extcon:info, not in contact:info
    assert info.find(f".//{q(NASK.contact, 'authInfo')}") is None
    assert info.findtext(f".//{q(extcon, 'pw')}") == "Kod-Kontaktu-123"
    resend = etree.fromstring(COMMANDS["resend confirmation"].frame("cltrid-1", NASK_FRAMES))
    assert resend.find(f".//{q(NASK.ext('extdom'), 'resendConfirmationRequest')}") is not None
    assert resend.find(f".//{q(NASK.epp, 'transfer')}").get("op") == "request"
