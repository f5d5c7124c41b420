"""Reading what a server sends: the greeting and command responses, into typed values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from .data import (
    Address,
    ContactCreated,
    ContactInfo,
    DomainCheck,
    DomainCheckData,
    DomainInfo,
    PostalInfo,
    ResData,
    TransferData,
)
from .namespaces import CONTACT, DOMAIN, EPP, q
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

# RFC 5731 section 2.5 / RFC 5733 section 2.7: the values a trStatus may have.
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


def _root(data: bytes) -> etree._Element:
    root = parse_xml(data)
    if root.tag != q(EPP, "epp"):
        raise ProtocolError("the frame is not an EPP document")
    return root


def parse_frame(data: bytes) -> Greeting | Response:
    root = _root(data)
    try:
        if root.find(q(EPP, "greeting")) is not None:
            return _greeting(root.find(q(EPP, "greeting")))
        if root.find(q(EPP, "response")) is not None:
            return _response(root.find(q(EPP, "response")), data)
    except _MALFORMED as exc:
        # A shape the checks below did not foresee: still the peer's fault, never ours.
        raise ProtocolError(f"the frame is malformed ({type(exc).__name__})") from None
    raise ProtocolError("the frame is neither a greeting nor a response")


def parse_envelope(data: bytes) -> Response:
    """The response's results, transaction IDs and message queue, without its resData: what
    is needed to acknowledge a poll message whose content cannot be read."""
    root = _root(data)
    element = root.find(q(EPP, "response"))
    if element is None:
        raise ProtocolError("expected a response")
    try:
        envelope, _problem = _envelope(element, data)
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


def _greeting(element: etree._Element) -> Greeting:
    menu = element.find(q(EPP, "svcMenu"))
    if menu is None:
        raise ProtocolError("the greeting has no service menu")
    ext = menu.find(q(EPP, "svcExtension"))
    return Greeting(
        server_id=_required(element, EPP, "svID"),
        server_date=parse_datetime(_required(element, EPP, "svDate")),
        versions=tuple(_text(e) for e in menu.findall(q(EPP, "version"))),
        languages=tuple(_text(e) for e in menu.findall(q(EPP, "lang"))),
        object_uris=tuple(_text(e) for e in menu.findall(q(EPP, "objURI"))),
        extension_uris=tuple(_text(e) for e in ext.findall(q(EPP, "extURI"))) if ext is not None else (),
    )


def _response(element: etree._Element, frame: bytes) -> Response:
    envelope, problem = _envelope(element, frame)
    if problem is not None:
        raise ResponseDataInvalid(problem, response=envelope)
    res_data = element.find(q(EPP, "resData"))
    if res_data is None:
        return envelope
    try:
        data = _res_data(res_data)
    except ProtocolError as exc:
        raise ResponseDataInvalid(f"the resData cannot be read: {exc}", response=envelope) from None
    except _MALFORMED as exc:
        raise ResponseDataInvalid(
            f"the resData cannot be read ({type(exc).__name__})", response=envelope
        ) from None
    return replace(envelope, data=data)


def _envelope(element: etree._Element, frame: bytes) -> tuple[Response, str | None]:
    """The response without its resData, and what is wrong with its message queue if
    anything is: the queue's ID is kept whenever it is there, so the message can be
    acknowledged."""
    results = tuple(_result(r) for r in element.findall(q(EPP, "result")))
    if not results:
        raise ProtocolError("the response has no result")
    trid = element.find(q(EPP, "trID"))
    if trid is None:
        raise ProtocolError("the response has no trID")
    msgq = element.find(q(EPP, "msgQ"))
    queue, problem = _msgq(msgq) if msgq is not None else (None, None)
    envelope = Response(
        results=results,
        trid=TransactionId(client=_child_text(trid, EPP, "clTRID"), server=_required(trid, EPP, "svTRID")),
        msgq=queue,
        frame=bytes(frame),
    )
    return envelope, problem


def _result(element: etree._Element) -> Result:
    try:
        code = int(element.get("code", ""))
    except ValueError:
        raise ProtocolError("a result has no numeric code") from None
    if not 1000 <= code <= 2599:
        raise ProtocolError("a result code is outside the range EPP defines")
    msg = element.find(q(EPP, "msg"))
    values = tuple(
        "".join(etree.tostring(child, encoding="unicode", with_tail=False) for child in v)
        or (v.text or "").strip()
        for v in element.findall(q(EPP, "value"))
    )
    ext_values = []
    for ext in element.findall(q(EPP, "extValue")):
        value = ext.find(q(EPP, "value"))
        quoted = value[0] if value is not None and len(value) else None
        ext_values.append(
            ExtValue(
                element=etree.QName(quoted).localname if quoted is not None else "",
                value=(quoted.text or "").strip() if quoted is not None else "",
                reason=_text(ext.find(q(EPP, "reason"))) or "",
            )
        )
    return Result(
        code=code,
        message=_text(msg) or "",
        lang=msg.get("lang", "en") if msg is not None else "en",
        values=values,
        ext_values=tuple(ext_values),
    )


def _msgq(element: etree._Element) -> tuple[MessageQueue, str | None]:
    msg_id = (element.get("id") or "").strip()
    try:
        if not msg_id:
            raise ProtocolError("the message queue has no message ID")
        msg = element.find(q(EPP, "msg"))
        queue = MessageQueue(
            count=_integer(element.get("count"), "the message count"),
            id=msg_id,
            queued_at=_date(element, EPP, "qDate"),
            message=" ".join("".join(msg.itertext()).split()) if msg is not None else None,
        )
    except ProtocolError as exc:
        return MessageQueue(count=0, id=msg_id), f"the message queue cannot be read: {exc}"
    return queue, None


def _res_data(element: etree._Element) -> ResData | None:
    if not len(element):
        return None
    child = element[0]
    parser = _RES_DATA_PARSERS.get(child.tag)
    return parser(child) if parser else None


def _domain_check(element: etree._Element) -> DomainCheckData:
    items = []
    for cd in element.findall(q(DOMAIN, "cd")):
        name = cd.find(q(DOMAIN, "name"))
        if name is None:
            raise ProtocolError("a domain check result has no <name>")
        items.append(
            DomainCheck(
                name=_text(name),
                available=name.get("avail") in ("1", "true"),
                reason=_child_text(cd, DOMAIN, "reason"),
            )
        )
    return DomainCheckData(tuple(items))


def _domain_info(element: etree._Element) -> DomainInfo:
    ns = element.find(q(DOMAIN, "ns"))
    return DomainInfo(
        name=_required(element, DOMAIN, "name"),
        roid=_required(element, DOMAIN, "roid"),
        sponsor=_required(element, DOMAIN, "clID"),
        statuses=_statuses(element, DOMAIN),
        registrant=_child_text(element, DOMAIN, "registrant"),
        contacts=tuple((c.get("type", ""), _text(c)) for c in element.findall(q(DOMAIN, "contact"))),
        nameservers=tuple(_text(h) for h in ns.iter(q(DOMAIN, "hostObj"), q(DOMAIN, "hostName")))
        if ns is not None
        else (),
        hosts=tuple(_text(h) for h in element.findall(q(DOMAIN, "host"))),
        created_by=_child_text(element, DOMAIN, "crID"),
        created_at=_date(element, DOMAIN, "crDate"),
        updated_by=_child_text(element, DOMAIN, "upID"),
        updated_at=_date(element, DOMAIN, "upDate"),
        expires_at=_date(element, DOMAIN, "exDate"),
        transferred_at=_date(element, DOMAIN, "trDate"),
    )


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


def _contact_created(element: etree._Element) -> ContactCreated:
    return ContactCreated(
        handle=_required(element, CONTACT, "id"),
        created_at=parse_datetime(_required(element, CONTACT, "crDate")),
    )


def _postal_info(element: etree._Element) -> PostalInfo:
    addr = element.find(q(CONTACT, "addr"))
    if addr is None:
        raise ProtocolError("a <postalInfo> has no <addr>")
    return PostalInfo(
        type=element.get("type", "loc"),
        name=_required(element, CONTACT, "name"),
        org=_child_text(element, CONTACT, "org") or "",
        address=Address(
            street=tuple(_text(s) for s in addr.findall(q(CONTACT, "street"))),
            city=_required(addr, CONTACT, "city"),
            province=_child_text(addr, CONTACT, "sp") or "",
            postal_code=_child_text(addr, CONTACT, "pc") or "",
            country=_required(addr, CONTACT, "cc"),
        ),
    )


def _contact_info(element: etree._Element) -> ContactInfo:
    return ContactInfo(
        handle=_required(element, CONTACT, "id"),
        roid=_required(element, CONTACT, "roid"),
        statuses=_statuses(element, CONTACT),
        postal_info=tuple(_postal_info(p) for p in element.findall(q(CONTACT, "postalInfo"))),
        voice=_child_text(element, CONTACT, "voice") or "",
        fax=_child_text(element, CONTACT, "fax") or "",
        email=_required(element, CONTACT, "email"),
        sponsor=_required(element, CONTACT, "clID"),
        created_by=_required(element, CONTACT, "crID"),
        created_at=parse_datetime(_required(element, CONTACT, "crDate")),
        updated_by=_child_text(element, CONTACT, "upID"),
        updated_at=_date(element, CONTACT, "upDate"),
        transferred_at=_date(element, CONTACT, "trDate"),
    )


_RES_DATA_PARSERS = {
    q(DOMAIN, "chkData"): _domain_check,
    q(DOMAIN, "infData"): _domain_info,
    q(DOMAIN, "trnData"): _transfer(DOMAIN, "name"),
    q(CONTACT, "creData"): _contact_created,
    q(CONTACT, "infData"): _contact_info,
    q(CONTACT, "trnData"): _transfer(CONTACT, "id"),
}
