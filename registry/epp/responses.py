"""Reading what a server sends: the greeting and command responses, into typed values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from .data import (
    Address,
    AuthInfoNotice,
    ContactCreated,
    ContactInfo,
    DomainCheck,
    DomainCheckData,
    DomainInfo,
    ExpiryNotice,
    PostalInfo,
    RegistryNotice,
    ResData,
    TransferData,
)
from .namespaces import DIALECTS, Namespaces, for_frame_root, q
from .results import (
    ExtValue,
    Greeting,
    MessageQueue,
    ProtocolError,
    Response,
    ResponseDataInvalid,
    Result,
    TransactionId,
)
from .safexml import parse_xml

# What a malformed answer makes the parsing code below raise; each becomes a ProtocolError,
# so that callers see one kind of failure for anything the peer got wrong.
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)

# RFC 5731 section 2.5 / RFC 5733 section 2.7: the values a trStatus may have (NASK's four
# are among them).
TRANSFER_STATUSES = frozenset(
    {"clientApproved", "clientCancelled", "clientRejected", "pending", "serverApproved", "serverCancelled"}
)


def parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except _MALFORMED:
        raise ProtocolError("a date in the response is not an ISO 8601 date and time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _integer(text: str | None, what: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise ProtocolError(f"{what} is not a number") from None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return (element.text or "").strip()


def _child_text(parent: etree._Element, ns: str, local: str) -> str | None:
    return _text(parent.find(q(ns, local)))


def _required(parent: etree._Element, ns: str, local: str) -> str:
    value = _child_text(parent, ns, local)
    if value is None:
        raise ProtocolError(f"the response has no <{local}> where one is required")
    return value


def _date(parent: etree._Element, ns: str, local: str) -> datetime | None:
    value = _child_text(parent, ns, local)
    return parse_datetime(value) if value else None


def _root(data: bytes) -> tuple[etree._Element, Namespaces]:
    root = parse_xml(data)
    ns = for_frame_root(etree.QName(root).namespace)
    if ns is None or root.tag != q(ns.epp, "epp"):
        raise ProtocolError("the frame is not an EPP document in a dialect we know")
    return root, ns


def dialect_of(data: bytes) -> Namespaces:
    """Which registry dialect a frame is written in (RFC, NASK), from its root element."""
    return _root(data)[1]


def parse_frame(data: bytes) -> Greeting | Response:
    """A greeting or a response of any dialect we know, read into the same typed values."""
    root, ns = _root(data)
    try:
        if root.find(q(ns.epp, "greeting")) is not None:
            return _greeting(root.find(q(ns.epp, "greeting")), ns)
        if root.find(q(ns.epp, "response")) is not None:
            return _response(root.find(q(ns.epp, "response")), ns, data)
    except _MALFORMED as exc:
        # A shape the checks below did not foresee: still the peer's fault, never ours.
        raise ProtocolError(f"the frame is malformed ({type(exc).__name__})") from None
    raise ProtocolError("the frame is neither a greeting nor a response")


def parse_envelope(data: bytes) -> Response:
    """The response's results, transaction IDs and message queue, without its resData: what
    is needed to acknowledge a poll message whose content cannot be read."""
    root, ns = _root(data)
    element = root.find(q(ns.epp, "response"))
    if element is None:
        raise ProtocolError("expected a response")
    try:
        envelope, _problem = _envelope(element, ns, data)
    except _MALFORMED as exc:
        raise ProtocolError(f"the frame is malformed ({type(exc).__name__})") from None
    return envelope


def parse_greeting(data: bytes) -> Greeting:
    frame = parse_frame(data)
    if not isinstance(frame, Greeting):
        raise ProtocolError("expected a greeting")
    return frame


def parse_response(data: bytes) -> Response:
    frame = parse_frame(data)
    if not isinstance(frame, Response):
        raise ProtocolError("expected a response")
    return frame


def _greeting(element: etree._Element, ns: Namespaces) -> Greeting:
    menu = element.find(q(ns.epp, "svcMenu"))
    if menu is None:
        raise ProtocolError("the greeting has no service menu")
    ext = menu.find(q(ns.epp, "svcExtension"))
    return Greeting(
        server_id=_required(element, ns.epp, "svID"),
        server_date=parse_datetime(_required(element, ns.epp, "svDate")),
        versions=tuple(_text(e) for e in menu.findall(q(ns.epp, "version"))),
        languages=tuple(_text(e) for e in menu.findall(q(ns.epp, "lang"))),
        object_uris=tuple(_text(e) for e in menu.findall(q(ns.epp, "objURI"))),
        extension_uris=tuple(_text(e) for e in ext.findall(q(ns.epp, "extURI"))) if ext is not None else (),
    )


def _response(element: etree._Element, ns: Namespaces, frame: bytes) -> Response:
    envelope, problem = _envelope(element, ns, frame)
    if problem is not None:
        raise ResponseDataInvalid(problem, response=envelope)
    res_data = element.find(q(ns.epp, "resData"))
    if res_data is None:
        return envelope
    try:
        data = _res_data(res_data, ns)
    except ProtocolError as exc:
        raise ResponseDataInvalid(f"the resData cannot be read: {exc}", response=envelope) from None
    except _MALFORMED as exc:
        raise ResponseDataInvalid(
            f"the resData cannot be read ({type(exc).__name__})", response=envelope
        ) from None
    return replace(envelope, data=data)


def _envelope(element: etree._Element, ns: Namespaces, frame: bytes) -> tuple[Response, str | None]:
    """The response without its resData, and what is wrong with its message queue if
    anything is: the queue's ID is kept whenever it is there, so the message can be
    acknowledged."""
    results = tuple(_result(r, ns) for r in element.findall(q(ns.epp, "result")))
    if not results:
        raise ProtocolError("the response has no result")
    trid = element.find(q(ns.epp, "trID"))
    if trid is None:
        raise ProtocolError("the response has no trID")
    msgq = element.find(q(ns.epp, "msgQ"))
    queue, problem = _msgq(msgq, ns) if msgq is not None else (None, None)
    envelope = Response(
        results=results,
        trid=TransactionId(
            client=_child_text(trid, ns.epp, "clTRID"), server=_required(trid, ns.epp, "svTRID")
        ),
        msgq=queue,
        frame=bytes(frame),
    )
    return envelope, problem


def _result(element: etree._Element, ns: Namespaces) -> Result:
    try:
        code = int(element.get("code", ""))
    except ValueError:
        raise ProtocolError("a result has no numeric code") from None
    if not 1000 <= code <= 2599:
        raise ProtocolError("a result code is outside the range EPP defines")
    msg = element.find(q(ns.epp, "msg"))
    values = tuple(
        "".join(etree.tostring(child, encoding="unicode", with_tail=False) for child in v)
        or (v.text or "").strip()
        for v in element.findall(q(ns.epp, "value"))
    )
    ext_values = []
    for ext in element.findall(q(ns.epp, "extValue")):
        value = ext.find(q(ns.epp, "value"))
        quoted = value[0] if value is not None and len(value) else None
        ext_values.append(
            ExtValue(
                element=etree.QName(quoted).localname if quoted is not None else "",
                value=(quoted.text or "").strip() if quoted is not None else "",
                reason=_text(ext.find(q(ns.epp, "reason"))) or "",
            )
        )
    return Result(
        code=code,
        message=_text(msg) or "",
        lang=msg.get("lang", "en") if msg is not None else "en",
        values=values,
        ext_values=tuple(ext_values),
    )


def _msgq(element: etree._Element, ns: Namespaces) -> tuple[MessageQueue, str | None]:
    msg_id = (element.get("id") or "").strip()
    try:
        if not msg_id:
            raise ProtocolError("the message queue has no message ID")
        msg = element.find(q(ns.epp, "msg"))
        queue = MessageQueue(
            count=_integer(element.get("count"), "the message count"),
            id=msg_id,
            queued_at=_date(element, ns.epp, "qDate"),
            message=" ".join("".join(msg.itertext()).split()) if msg is not None else None,
        )
    except ProtocolError as exc:
        return MessageQueue(count=0, id=msg_id), f"the message queue cannot be read: {exc}"
    return queue, None


def _res_data(element: etree._Element, ns: Namespaces) -> ResData | None:
    if not len(element):
        return None
    child = element[0]
    parser = _RES_DATA_PARSERS.get(child.tag)
    return parser(child) if parser else None


def _domain_check(element: etree._Element, ns: Namespaces) -> DomainCheckData:
    items = []
    for cd in element.findall(q(ns.domain, "cd")):
        name = cd.find(q(ns.domain, "name"))
        if name is None:
            raise ProtocolError("a domain check result has no <name>")
        items.append(
            DomainCheck(
                name=_text(name),
                available=name.get("avail") in ("1", "true"),
                reason=_child_text(cd, ns.domain, "reason"),
            )
        )
    return DomainCheckData(tuple(items))


def _domain_info(element: etree._Element, ns: Namespaces) -> DomainInfo:
    return DomainInfo(
        name=_required(element, ns.domain, "name"),
        roid=_required(element, ns.domain, "roid"),
        sponsor=_required(element, ns.domain, "clID"),
        statuses=_statuses(element, ns.domain),
        registrant=_child_text(element, ns.domain, "registrant"),
        contacts=tuple((c.get("type", ""), _text(c)) for c in element.findall(q(ns.domain, "contact"))),
        nameservers=_nameservers(element, ns),
        hosts=tuple(_text(h) for h in element.findall(q(ns.domain, "host"))),
        created_by=_child_text(element, ns.domain, "crID"),
        created_at=_date(element, ns.domain, "crDate"),
        updated_by=_child_text(element, ns.domain, "upID"),
        updated_at=_date(element, ns.domain, "upDate"),
        expires_at=_date(element, ns.domain, "exDate"),
        transferred_at=_date(element, ns.domain, "trDate"),
    )


def _nameservers(element: etree._Element, ns: Namespaces) -> tuple[str, ...]:
    names = []
    for servers in element.findall(q(ns.domain, "ns")):
        if len(servers):  # RFC 5731: <domain:ns><domain:hostObj>...</domain:hostObj></domain:ns>
            names.extend(_text(h) for h in servers.iter(q(ns.domain, "hostObj"), q(ns.domain, "hostName")))
        else:  # NASK: one bare <domain:ns>name</domain:ns> per server
            names.append(_text(servers))
    return tuple(names)


def _statuses(element: etree._Element, ns: str) -> tuple[str, ...]:
    statuses = tuple(s.get("s") for s in element.findall(q(ns, "status")))
    if any(not s for s in statuses):
        raise ProtocolError("a <status> has no s attribute")
    return statuses


def _transfer(ns: str, key: str):
    def parse(element: etree._Element) -> TransferData:
        status = _required(element, ns, "trStatus")
        if status not in TRANSFER_STATUSES:
            raise ProtocolError("the trStatus is not one RFC 5731 defines")
        return TransferData(
            name=_required(element, ns, key),
            status=status,
            requested_by=_required(element, ns, "reID"),
            requested_at=parse_datetime(_required(element, ns, "reDate")),
            action_by=_required(element, ns, "acID"),
            action_at=parse_datetime(_required(element, ns, "acDate")),
            expires_at=_date(element, ns, "exDate"),
        )

    return parse


def _contact_created(element: etree._Element, ns: Namespaces) -> ContactCreated:
    return ContactCreated(
        handle=_required(element, ns.contact, "id"),
        created_at=parse_datetime(_required(element, ns.contact, "crDate")),
    )


def _postal_info(element: etree._Element, ns: Namespaces) -> PostalInfo:
    addr = element.find(q(ns.contact, "addr"))
    if addr is None:
        raise ProtocolError("a <postalInfo> has no <addr>")
    return PostalInfo(
        type=element.get("type", "loc"),
        name=_required(element, ns.contact, "name"),
        org=_child_text(element, ns.contact, "org") or "",
        address=Address(
            street=tuple(_text(s) for s in addr.findall(q(ns.contact, "street"))),
            city=_required(addr, ns.contact, "city"),
            province=_child_text(addr, ns.contact, "sp") or "",
            postal_code=_child_text(addr, ns.contact, "pc") or "",
            country=_required(addr, ns.contact, "cc"),
        ),
    )


def _contact_info(element: etree._Element, ns: Namespaces) -> ContactInfo:
    return ContactInfo(
        handle=_required(element, ns.contact, "id"),
        roid=_required(element, ns.contact, "roid"),
        statuses=_statuses(element, ns.contact),
        postal_info=tuple(_postal_info(p, ns) for p in element.findall(q(ns.contact, "postalInfo"))),
        voice=_child_text(element, ns.contact, "voice") or "",
        fax=_child_text(element, ns.contact, "fax") or "",
        email=_required(element, ns.contact, "email"),
        sponsor=_required(element, ns.contact, "clID"),
        created_by=_required(element, ns.contact, "crID"),
        created_at=parse_datetime(_required(element, ns.contact, "crDate")),
        updated_by=_child_text(element, ns.contact, "upID"),
        updated_at=_date(element, ns.contact, "upDate"),
        transferred_at=_date(element, ns.contact, "trDate"),
    )


def _poll_authinfo(element: etree._Element, ns: Namespaces) -> AuthInfoNotice:
    extdom = ns.ext("extdom")
    domain = element.find(q(extdom, "domain"))
    registrant = element.find(q(extdom, "registrant"))
    if domain is None:
        raise ProtocolError("a pollAuthInfo message names no domain")
    return AuthInfoNotice(
        name=_required(domain, extdom, "name"),
        authinfo=_text(domain.find(f"{q(extdom, 'authInfo')}/{q(extdom, 'pw')}")) or "",
        registrant=_child_text(registrant, extdom, "id") if registrant is not None else None,
        registrant_authinfo=(
            _text(registrant.find(f"{q(extdom, 'authInfo')}/{q(extdom, 'pw')}")) or ""
            if registrant is not None
            else ""
        ),
    )


def _expiry(element: etree._Element, ns: Namespaces) -> ExpiryNotice:
    extdom = ns.ext("extdom")
    names = tuple(_text(n) for n in element.findall(q(extdom, "name")))
    if not names:
        raise ProtocolError("an expData message names no domain")
    return ExpiryNotice(names=names, expires_at=parse_datetime(_required(element, extdom, "exDate")))


def _notice(element: etree._Element, ns: Namespaces) -> RegistryNotice:
    """Any other message of NASK's: what it is called and the names and dates it carries."""
    names = tuple(
        _text(e)
        for e in element.iter()
        if etree.QName(e).localname in ("name", "id") and (e.text or "").strip()
    )
    dates = tuple(
        parse_datetime(e.text)
        for e in element.iter()
        if etree.QName(e).localname in ("date", "exDate", "executionDate") and (e.text or "").strip()
    )
    return RegistryNotice(kind=etree.QName(element).localname, names=names, dates=dates)


def _parsers(ns: Namespaces) -> dict[str, Callable[[etree._Element], ResData]]:
    def bind(parse):
        return lambda element: parse(element, ns)

    parsers = {
        q(ns.domain, "chkData"): bind(_domain_check),
        q(ns.domain, "infData"): bind(_domain_info),
        q(ns.domain, "trnData"): _transfer(ns.domain, "name"),
        q(ns.contact, "creData"): bind(_contact_created),
        q(ns.contact, "infData"): bind(_contact_info),
        q(ns.contact, "trnData"): _transfer(ns.contact, "id"),
    }
    if "extdom" in ns.extensions:
        extdom, extepp, extcon = ns.ext("extdom"), ns.ext("extepp"), ns.ext("extcon")
        parsers[q(extdom, "pollAuthInfo")] = bind(_poll_authinfo)
        parsers[q(extdom, "expData")] = bind(_expiry)
        for uri, local in NASK_NOTICES:
            parsers[q({"extdom": extdom, "extepp": extepp, "extcon": extcon}[uri], local)] = bind(_notice)
    return parsers


# NASK's other poll messages (docs/registries/nask-epp.md 7.8): kept and shown, no case changes.
NASK_NOTICES = (
    ("extdom", "dlgData"),
    ("extdom", "pollDomainBlocked"),
    ("extdom", "pollDomainUnblocked"),
    ("extdom", "pollFutureRemoved"),
    ("extdom", "pollDomainJudicialRemoved"),
    ("extdom", "pollDomainAutoRenewed"),
    ("extdom", "pollDomainAutoRenewFailed"),
    ("extdom", "pollDomainLocked"),
    ("extdom", "pollDomainUnlocked"),
    ("extepp", "passwdReminder"),
    ("extepp", "accountBalanceInsufficient"),
    ("extepp", "accountBalanceCrossed"),
    ("extcon", "delData"),
)

_RES_DATA_PARSERS = {tag: parse for ns in DIALECTS.values() for tag, parse in _parsers(ns).items()}
