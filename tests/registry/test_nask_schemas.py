"""The schemas RegFlow wrote for NASK's (.pl) EPP 2.1 dialect (registry/epp/schemas/nask/) accept
the frames NASK's public clients send and the answers NASK gives, as docs/registries/nask-epp.md
collects them, and refuse what NASK's dialect does not have."""

from __future__ import annotations

import pytest
from lxml import etree

from registry.epp.namespaces import NASK, RFC
from registry.epp.results import FrameInvalid
from registry.epp.schema import frame_errors, validate_frame

NASK_EPP, NASK_DOMAIN, NASK_CONTACT, NASK_HOST = NASK.epp, NASK.domain, NASK.contact, NASK.host
NASK_EXTCON, NASK_EXTDOM, NASK_EXTEPP = NASK.ext("extcon"), NASK.ext("extdom"), NASK.ext("extepp")


def nask_frame_errors(frame) -> list[str]:
    return frame_errors(frame, NASK)


def validate_nask_frame(frame) -> None:
    validate_frame(frame, NASK)


XSI = "http://www.w3.org/2001/XMLSchema-instance"
DOMAIN_NS = f'xmlns:domain="{NASK_DOMAIN}"'
CONTACT_NS = f'xmlns:contact="{NASK_CONTACT}"'
EXTDOM_NS = f'xmlns:extdom="{NASK_EXTDOM}"'
EXTCON_NS = f'xmlns:extcon="{NASK_EXTCON}"'
EXTEPP_NS = f'xmlns:extepp="{NASK_EXTEPP}"'


def epp(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<epp xmlns="{NASK_EPP}" xmlns:xsi="{XSI}" xsi:schemaLocation="{NASK_EPP} epp-2.1.xsd">'
        f"{body}</epp>"
    ).encode()


def command(body: str, extension: str = "", cl_trid: str = "ABC-12345") -> bytes:
    ext = f"<extension>{extension}</extension>" if extension else ""
    return epp(f"<command>{body}{ext}<clTRID>{cl_trid}</clTRID></command>")


def response(
    code: int = 1000,
    msg: str = "Command completed successfully",
    res_data: str = "",
    msgq: str = "",
    extension: str = "",
    details: str = "",
) -> bytes:
    data = f"<resData>{res_data}</resData>" if res_data else ""
    ext = f"<extension>{extension}</extension>" if extension else ""
    return epp(
        f'<response><result code="{code}"><msg lang="en">{msg}</msg>{details}</result>{msgq}{data}{ext}'
        "<trID><clTRID>ABC-12345</clTRID><svTRID>54322-XYZ</svTRID></trID></response>"
    )


def poll_message(text: str, res_data: str) -> bytes:
    return response(
        1301,
        "Command completed successfully; ack to dequeue",
        res_data=res_data,
        msgq='<msgQ count="6" id="1651"><qDate>2005-06-03T06:41:41.927Z</qDate>'
        f'<msg lang="en">{text}</msg></msgQ>',
    )


def domain_transfer(op: str, inner: str, extension: str = "") -> bytes:
    return command(
        f'<transfer op="{op}"><domain:transfer {DOMAIN_NS} '
        f'xsi:schemaLocation="{NASK_DOMAIN} domain-2.1.xsd">{inner}</domain:transfer></transfer>',
        extension,
    )


def transfer_data(status: str) -> str:
    return (
        f"<domain:trnData {DOMAIN_NS}><domain:name>bryzal.pl</domain:name>"
        f"<domain:trStatus>{status}</domain:trStatus><domain:reID>wgtat</domain:reID>"
        "<domain:reDate>2005-03-03T11:41:41.893Z</domain:reDate><domain:acID>dmrt0029000018</domain:acID>"
        "<domain:acDate>2005-07-03T06:41:41.893Z</domain:acDate></domain:trnData>"
    )


def domain_update(chg: str) -> bytes:
    return command(
        f"<update><domain:update {DOMAIN_NS}><domain:name>example.pl</domain:name>"
        f"<domain:chg>{chg}</domain:chg></domain:update></update>"
    )


AUTH = "<domain:authInfo><domain:pw>AUTHCODE</domain:pw></domain:authInfo>"
LOGIN_SERVICES = (
    f"<svcs><objURI>{NASK_CONTACT}</objURI><objURI>{NASK_HOST}</objURI><objURI>{NASK_DOMAIN}</objURI>"
    "<objURI>http://www.dns.pl/nask-epp-schema/future-2.1</objURI>"
    f"<svcExtension><extURI>{NASK_EXTCON}</extURI><extURI>{NASK_EXTDOM}</extURI></svcExtension></svcs>"
)
LOGIN_OPTIONS = "<options><version>1.0</version><lang>en</lang></options>"
POSTAL = (
    '<contact:postalInfo type="loc"><contact:name>Jan Kowalski</contact:name>'
    "<contact:org>Example Sp. z o.o.</contact:org><contact:addr>"
    "<contact:street>ul. Przykładowa 1</contact:street><contact:city>Warszawa</contact:city>"
    "<contact:pc>00-001</contact:pc><contact:cc>PL</contact:cc></contact:addr></contact:postalInfo>"
)


def contact_create(after_postal: str) -> bytes:
    return command(
        f"<create><contact:create {CONTACT_NS}><contact:id>sh8013</contact:id>{POSTAL}{after_postal}"
        "</contact:create></create>",
        f"<extcon:create {EXTCON_NS}><extcon:individual>1</extcon:individual></extcon:create>",
    )


def one_domain(element: str, name: str = "judicialtest.pl") -> str:
    return (
        f"<extdom:{element} {EXTDOM_NS}><extdom:domain><extdom:name>{name}</extdom:name>"
        f"<extdom:date>2007-07-06T21:17:26.273Z</extdom:date></extdom:domain></extdom:{element}>"
    )


VALID = {
    # --- session ---
    "hello": epp("<hello/>"),
    "greeting": epp(
        "<greeting><svID>NASK EPP Registry</svID><svDate>2026-12-03T10:00:00.0Z</svDate><svcMenu>"
        "<version>1.0</version><lang>en</lang><lang>pl</lang>"
        f"<objURI>{NASK_CONTACT}</objURI><objURI>{NASK_HOST}</objURI><objURI>{NASK_DOMAIN}</objURI>"
        f"<svcExtension><extURI>{NASK_EXTCON}</extURI><extURI>{NASK_EXTDOM}</extURI>"
        f"<extURI>{NASK_EXTEPP}</extURI></svcExtension></svcMenu></greeting>"
    ),
    "login": command(f"<login><clID>regflow</clID><pw>secret-1</pw>{LOGIN_OPTIONS}{LOGIN_SERVICES}</login>"),
    "login changing the password, in Polish": command(
        "<login><clID>regflow</clID><pw>secret-1</pw><newPW>a-new-secret-2</newPW>"
        f"<options><version>1.0</version><lang>pl</lang></options>{LOGIN_SERVICES}</login>"
    ),
    "login answer": response(),
    "logout": command("<logout/>"),
    "logout answer": response(1500, "Command completed successfully; ending session"),
    # --- domain commands ---
    "domain check": command(
        f"<check><domain:check {DOMAIN_NS}><domain:name>example.pl</domain:name>"
        "<domain:name>przyklad.pl</domain:name></domain:check></check>"
    ),
    "domain info with the registrant's code": command(
        f'<info><domain:info {DOMAIN_NS} xsi:schemaLocation="{NASK_DOMAIN} domain-2.1.xsd">'
        '<domain:name hosts="all">example.pl</domain:name>'
        '<domain:authInfo><domain:pw roid="1234565-NASK">AUTHCODE</domain:pw></domain:authInfo>'
        "</domain:info></info>"
    ),
    "domain transfer request": domain_transfer("request", f"<domain:name>example.pl</domain:name>{AUTH}"),
    "domain transfer request with a period": domain_transfer(
        "request", f'<domain:name>example.pl</domain:name><domain:period unit="y">1</domain:period>{AUTH}'
    ),
    "domain transfer query": domain_transfer("query", f"<domain:name>example.pl</domain:name>{AUTH}"),
    "domain transfer cancel": domain_transfer("cancel", f"<domain:name>example.pl</domain:name>{AUTH}"),
    "domain transfer request resending the confirmation": domain_transfer(
        "request",
        f"<domain:name>example.pl</domain:name>{AUTH}",
        f'<extdom:transfer {EXTDOM_NS} xsi:schemaLocation="{NASK_EXTDOM} extdom-2.1.xsd">'
        "<extdom:resendConfirmationRequest/></extdom:transfer>",
    ),
    "domain update changing the registrant": domain_update("<domain:registrant>sh8013</domain:registrant>"),
    "domain update changing the authinfo": domain_update(
        "<domain:authInfo><domain:pw>NEWCODE-123</domain:pw></domain:authInfo>"
    ),
    "domain update changing both": domain_update(
        "<domain:registrant>sh8013</domain:registrant>"
        "<domain:authInfo><domain:pw>NEWCODE-123</domain:pw></domain:authInfo>"
    ),
    "domain update of name servers": command(
        f"<update><domain:update {DOMAIN_NS}><domain:name>example.pl</domain:name>"
        "<domain:add><domain:ns>ns1.example.pl</domain:ns></domain:add>"
        "<domain:rem><domain:ns>ns9.example.pl</domain:ns>"
        '<domain:status s="clientHold"/></domain:rem></domain:update></update>'
    ),
    "domain create with book": command(
        f"<create><domain:create {DOMAIN_NS}><domain:name>example.pl</domain:name>"
        '<domain:period unit="y">1</domain:period><domain:ns>ns1.example.pl</domain:ns>'
        f"<domain:registrant>sh8013</domain:registrant>{AUTH}</domain:create></create>",
        f"<extdom:create {EXTDOM_NS}><extdom:book/></extdom:create>",
    ),
    "domain renew with reactivation": command(
        f"<renew><domain:renew {DOMAIN_NS}><domain:name>example.pl</domain:name>"
        '<domain:curExpDate>2027-01-31</domain:curExpDate><domain:period unit="y">1</domain:period>'
        "</domain:renew></renew>",
        f"<extdom:renew {EXTDOM_NS}><extdom:reactivate/></extdom:renew>",
    ),
    "domain delete": command(
        f"<delete><domain:delete {DOMAIN_NS}><domain:name>example.pl</domain:name></domain:delete></delete>"
    ),
    # --- contact and host commands ---
    "contact create with extcon individual": contact_create(
        "<contact:voice>+48.221234567</contact:voice><contact:email>jan@example.pl</contact:email>"
        "<contact:authInfo><contact:pw>2fooBAR</contact:pw></contact:authInfo>"
    ),
    "contact info with the code in extcon": command(
        f"<info><contact:info {CONTACT_NS}><contact:id>sh8013</contact:id></contact:info></info>",
        f'<extcon:info {EXTCON_NS}><extcon:authInfo><extcon:pw roid="4567-NASK">2fooBAR</extcon:pw>'
        "</extcon:authInfo></extcon:info>",
    ),
    "contact update with extcon": command(
        f"<update><contact:update {CONTACT_NS}><contact:id>sh8013</contact:id><contact:chg>"
        "<contact:voice/><contact:email>nowy@example.pl</contact:email></contact:chg></contact:update></update>",
        f"<extcon:update {EXTCON_NS}><extcon:individual>false</extcon:individual></extcon:update>",
    ),
    "host create": command(
        f'<create><host:create xmlns:host="{NASK_HOST}"><host:name>ns1.example.pl</host:name>'
        '<host:addr ip="v4">192.0.2.2</host:addr><host:addr ip="v6">2001:db8::2</host:addr>'
        "</host:create></create>"
    ),
    # --- poll ---
    "poll request": command('<poll op="req"/>'),
    "poll acknowledgement": command('<poll op="ack" msgID="1651"/>'),
    "empty queue": response(1300, "Command completed successfully; no messages"),
    "acknowledged": response(msgq='<msgQ count="5" id="1652"/>'),
    # --- answers ---
    "domain check answer with a reason": response(
        res_data=f'<domain:chkData {DOMAIN_NS}><domain:cd><domain:name avail="false">example.pl</domain:name>'
        "<domain:reason>9072</domain:reason></domain:cd></domain:chkData>"
    ),
    "domain infData": response(
        res_data=f"<domain:infData {DOMAIN_NS}><domain:name>inftest.pl</domain:name>"
        "<domain:roid>1234565-NASK</domain:roid>"
        '<domain:status s="clientDeleteProhibited" lang="en"/>'
        '<domain:status s="clientUpdateProhibited" lang="en"/>'
        '<domain:registrant>abc123</domain:registrant><domain:contact type="tech">abc124</domain:contact>'
        "<domain:ns>ns1.test.net</domain:ns><domain:ns>ns2.test.net</domain:ns>"
        "<domain:host>ns1.inftest.pl</domain:host>"
        "<domain:clID>test_rar</domain:clID><domain:crID>prevtest_rar</domain:crID>"
        "<domain:crDate>2009-09-09T09:09:09.0Z</domain:crDate><domain:upID>test_rar</domain:upID>"
        "<domain:upDate>2014-09-09T09:09:09.0Z</domain:upDate>"
        "<domain:exDate>2015-09-09T09:09:09.0Z</domain:exDate>"
        "<domain:trDate>2013-09-09T09:09:09.0Z</domain:trDate>"
        "<domain:authInfo><domain:pw>auth*I123</domain:pw></domain:authInfo></domain:infData>"
    ),
    "contact infData with extcon": response(
        res_data=f"<contact:infData {CONTACT_NS}><contact:id>sh8013</contact:id>"
        "<contact:roid>4567-NASK</contact:roid>"
        f'<contact:status s="ok"/>{POSTAL}<contact:email>jan@example.pl</contact:email>'
        "<contact:clID>regflow</contact:clID><contact:crID>regflow</contact:crID>"
        "<contact:crDate>2020-01-01T00:00:00.0Z</contact:crDate></contact:infData>",
        extension=f"<extcon:infData {EXTCON_NS}><extcon:individual>true</extcon:individual></extcon:infData>",
    ),
    "contact creData": response(
        res_data=f"<contact:creData {CONTACT_NS}><contact:id>sh8013</contact:id>"
        "<contact:crDate>2026-12-03T10:00:00.0Z</contact:crDate></contact:creData>"
    ),
    "transfer request answer": response(
        1001, "Command completed successfully; action pending", transfer_data("pending")
    ),
    "result with an extValue reason": response(
        2306,
        "Parameter value policy error",
        details="<value><authInfo>domain:authInfo</authInfo></value>"
        "<extValue><value><reasonCode>8013</reasonCode></value>"
        '<reason lang="en">transfer not possible yet</reason></extValue>',
    ),
    "2303": response(2303, "Object does not exist", details="<value><name>nieistniejaca.pl</name></value>"),
    "prepaid report (root extension)": epp(
        '<extension><extreport:report xmlns:extreport="http://www.dns.pl/nask-epp-schema/extreport-2.1">'
        "<extreport:prepaid><extreport:paymentFunds><extreport:accountType>DOMAIN</extreport:accountType>"
        "</extreport:paymentFunds></extreport:prepaid></extreport:report></extension>"
    ),
    # --- poll messages (docs §7.8) ---
    "9.1 domain transfer requested": poll_message("domain transfer requested", transfer_data("pending")),
    "9.2 domain transfer cancelled": poll_message(
        "domain transfer cancelled", transfer_data("clientCancelled")
    ),
    "9.3 domain transfer expired": poll_message("domain transfer expired", transfer_data("serverCancelled")),
    "9.4 domain transferred": poll_message("domain transferred", transfer_data("clientApproved")),
    "9.5 broken delegation": poll_message(
        "broken delegation",
        f"<extdom:dlgData {EXTDOM_NS}><extdom:name>makota.com.pl</extdom:name>"
        "<extdom:name>pikawa.net.pl</extdom:name><extdom:name>bzdziagwa.pl</extdom:name>"
        "<extdom:ns>ns1.wisla.pl</extdom:ns></extdom:dlgData>",
    ),
    "9.10 soon domain expiration": poll_message(
        "soon domain expiration",
        f"<extdom:expData {EXTDOM_NS}><extdom:name>ala.pl</extdom:name><extdom:name>ma.pl</extdom:name>"
        "<extdom:name>kota.pl</extdom:name><extdom:exDate>2005-06-29T21:00:19.512Z</extdom:exDate>"
        "</extdom:expData>",
    ),
    "9.11 domain authInfo": poll_message(
        "domain authInfo",
        f"<extdom:pollAuthInfo {EXTDOM_NS}><extdom:domain><extdom:name>nask.pl</extdom:name>"
        "<extdom:authInfo><extdom:pw>cPxWt418</extdom:pw></extdom:authInfo></extdom:domain>"
        "<extdom:registrant><extdom:id>tst12</extdom:id>"
        "<extdom:authInfo><extdom:pw>Wct59Nka5</extdom:pw></extdom:authInfo></extdom:registrant>"
        "</extdom:pollAuthInfo>",
    ),
    "9.12 future finalized": poll_message(
        "future finalized",
        f"<domain:creData {DOMAIN_NS}><domain:name>future.pl</domain:name>"
        "<domain:crDate>2005-06-03T06:41:41.0Z</domain:crDate>"
        "<domain:exDate>2006-06-03T06:41:41.0Z</domain:exDate></domain:creData>",
    ),
    "9.13 soon password expiration": poll_message(
        "soon password expiration",
        f"<extepp:passwdReminder {EXTEPP_NS}><extepp:exDate>2005-07-01T00:00:00.0Z</extepp:exDate>"
        "</extepp:passwdReminder>",
    ),
    "9.14 domain blocked": poll_message("domain blocked", one_domain("pollDomainBlocked")),
    "9.15 domain unblocked": poll_message("domain unblocked", one_domain("pollDomainUnblocked")),
    "9.16 future removed": poll_message(
        "future removed due to domain blockade",
        f"<extdom:pollFutureRemoved {EXTDOM_NS}><extdom:future><extdom:name>future.pl</extdom:name>"
        "<extdom:date>2007-07-06T21:17:26.273Z</extdom:date></extdom:future></extdom:pollFutureRemoved>",
    ),
    "9.18 domain removed by court": poll_message(
        "domain removed due to a legal valid decision of the court", one_domain("pollDomainJudicialRemoved")
    ),
    "9.19 non-sufficient funds": poll_message(
        "non-sufficient funds",
        f"<extepp:accountBalanceInsufficient {EXTEPP_NS}><extepp:accountLevel>4.90</extepp:accountLevel>"
        "<extepp:accountType>DOMAIN</extepp:accountType>"
        "<extepp:serviceName>PREPAID_DOMAIN_FUNC_CREATE_1</extepp:serviceName><extepp:name>pp14.pl</extepp:name>"
        "</extepp:accountBalanceInsufficient>",
    ),
    "9.20 balance notification level": poll_message(
        "account balance notification level reached",
        f"<extepp:accountBalanceCrossed {EXTEPP_NS}>"
        "<extepp:notificationLevel>100.00</extepp:notificationLevel>"
        "<extepp:accountType>DOMAIN</extepp:accountType></extepp:accountBalanceCrossed>",
    ),
    "9.21 domain renewed automatically": poll_message(
        "domain renewed automatically",
        f"<extdom:pollDomainAutoRenewed {EXTDOM_NS}><extdom:name>ppr13.pl</extdom:name>"
        "</extdom:pollDomainAutoRenewed>",
    ),
    "9.22 auto renewal failed": poll_message(
        "domain auto renewal failure due to domain status",
        f"<extdom:pollDomainAutoRenewFailed {EXTDOM_NS}><extdom:name>ppr13.pl</extdom:name>"
        "</extdom:pollDomainAutoRenewFailed>",
    ),
    "domain locked (prepaid)": poll_message("domain locked", one_domain("pollDomainLocked")),
    "domain unlocked (prepaid)": poll_message("domain unlocked", one_domain("pollDomainUnlocked")),
    "contacts deleted": poll_message(
        "contact deleted",
        f"<extcon:delData {EXTCON_NS}><extcon:id>tst12</extcon:id><extcon:id>tst13</extcon:id>"
        "<extcon:executionDate>2020-01-01T00:00:00.0Z</extcon:executionDate></extcon:delData>",
    ),
}

INVALID = {
    "transfer request without authinfo": domain_transfer("request", "<domain:name>example.pl</domain:name>"),
    "transfer query without authinfo": domain_transfer("query", "<domain:name>example.pl</domain:name>"),
    "transfer cancel without authinfo": domain_transfer("cancel", "<domain:name>example.pl</domain:name>"),
    "domain update with domain:null": domain_update("<domain:authInfo><domain:null/></domain:authInfo>"),
    "trStatus clientRejected": poll_message("domain transfer rejected", transfer_data("clientRejected")),
    "trStatus serverApproved (NASK's old PDF)": poll_message(
        "Domain transferred.", transfer_data("serverApproved")
    ),
    "login without svcExtension": command(
        f"<login><clID>regflow</clID><pw>secret-1</pw>{LOGIN_OPTIONS}"
        f"<svcs><objURI>{NASK_DOMAIN}</objURI></svcs></login>"
    ),
    "login password shorter than 6": command(
        f"<login><clID>regflow</clID><pw>short</pw>{LOGIN_OPTIONS}{LOGIN_SERVICES}</login>"
    ),
    "contact create without email": contact_create(
        "<contact:voice>+48.221234567</contact:voice>"
        "<contact:authInfo><contact:pw>2fooBAR</contact:pw></contact:authInfo>"
    ),
    "contact create without authinfo": contact_create("<contact:email>jan@example.pl</contact:email>"),
    "contact create with disclose": contact_create(
        "<contact:email>jan@example.pl</contact:email>"
        "<contact:authInfo><contact:pw>2fooBAR</contact:pw></contact:authInfo>"
        '<contact:disclose flag="0"><contact:voice/></contact:disclose>'
    ),
    "contact info with the code in contact:info": command(
        f"<info><contact:info {CONTACT_NS}><contact:id>sh8013</contact:id>"
        "<contact:authInfo><contact:pw>2fooBAR</contact:pw></contact:authInfo></contact:info></info>"
    ),
    "contact transfer": command(
        f'<transfer op="request"><contact:transfer {CONTACT_NS}><contact:id>sh8013</contact:id>'
        "</contact:transfer></transfer>"
    ),
    "name server as hostObj": command(
        f"<update><domain:update {DOMAIN_NS}><domain:name>example.pl</domain:name><domain:add>"
        "<domain:ns><domain:hostObj>ns1.example.pl</domain:hostObj></domain:ns></domain:add>"
        "</domain:update></update>"
    ),
    "greeting with dcp": epp(
        "<greeting><svID>NASK EPP Registry</svID><svDate>2026-12-03T10:00:00.0Z</svDate><svcMenu>"
        f"<version>1.0</version><lang>en</lang><objURI>{NASK_DOMAIN}</objURI></svcMenu>"
        "<dcp><access><all/></access></dcp></greeting>"
    ),
    "a result code outside RFC 5730": response(2399, "Unknown"),
    "an object namespace NASK has no schema for here": command(
        '<check><future:check xmlns:future="http://www.dns.pl/nask-epp-schema/future-2.1">'
        "<future:name>example.pl</future:name></future:check></check>"
    ),
    "RFC namespaces": b"""<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>""",
}


@pytest.mark.parametrize("kind", VALID)
def test_nask_frames_are_valid(kind):
    assert nask_frame_errors(VALID[kind]) == []


@pytest.mark.parametrize("kind", INVALID)
def test_what_nask_does_not_have_is_refused(kind):
    errors = nask_frame_errors(INVALID[kind])
    assert errors
    with pytest.raises(FrameInvalid):
        validate_nask_frame(INVALID[kind])


def test_the_refusals_point_at_the_offending_element():
    [error] = nask_frame_errors(INVALID["transfer request without authinfo"])
    assert "transfer" in error
    [error] = nask_frame_errors(INVALID["domain update with domain:null"])
    assert ": null:" in error
    [error] = nask_frame_errors(INVALID["trStatus clientRejected"])
    assert ": trStatus:" in error
    [error] = nask_frame_errors(INVALID["RFC namespaces"])
    assert ": epp:" in error


def test_the_two_schema_sets_do_not_mix():
    # A NASK frame is not an RFC frame, and the RFC set is not changed by the NASK one.
    assert frame_errors(VALID["hello"], RFC)
    rfc_hello = INVALID["RFC namespaces"]
    assert frame_errors(rfc_hello) == []


def test_a_parsed_tree_is_checked_the_same_as_bytes():
    tree = etree.fromstring(VALID["domain transfer query"])
    assert nask_frame_errors(tree) == []
    tree = etree.fromstring(INVALID["transfer query without authinfo"])
    assert nask_frame_errors(tree)


def test_schema_errors_never_quote_the_value():
    frame = command(f"<login><clID>regflow</clID><pw>pw-1</pw>{LOGIN_OPTIONS}{LOGIN_SERVICES}</login>")
    errors = nask_frame_errors(frame)
    assert errors and not any("pw-1" in error for error in errors)
