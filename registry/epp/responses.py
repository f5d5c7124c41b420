"""Reading what a server sends: the greeting and command responses, into typed values."""

from __future__ import annotations

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
    Result,
    TransactionId,
)
from .safexml import parse_xml


def parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    if root.find(q(EPP, "greeting")) is not None:
        return _greeting(root.find(q(EPP, "greeting")))
    if root.find(q(EPP, "response")) is not None:
        return _response(root.find(q(EPP, "response")))
    raise ProtocolError("the frame is neither a greeting nor a response")


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


def _response(element: etree._Element) -> Response:
    results = tuple(_result(r) for r in element.findall(q(EPP, "result")))
    if not results:
        raise ProtocolError("the response has no result")
    trid = element.find(q(EPP, "trID"))
    if trid is None:
        raise ProtocolError("the response has no trID")
    msgq = element.find(q(EPP, "msgQ"))
    res_data = element.find(q(EPP, "resData"))
    return Response(
        results=results,
        trid=TransactionId(client=_child_text(trid, EPP, "clTRID"), server=_required(trid, EPP, "svTRID")),
        msgq=_msgq(msgq) if msgq is not None else None,
        data=_res_data(res_data) if res_data is not None else None,
    )


def _result(element: etree._Element) -> Result:
    try:
        code = int(element.get("code", ""))
    except ValueError:
        raise ProtocolError("a result has no numeric code") from None
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


def _msgq(element: etree._Element) -> MessageQueue:
    msg = element.find(q(EPP, "msg"))
    return MessageQueue(
        count=int(element.get("count", "0")),
        id=element.get("id", ""),
        queued_at=_date(element, EPP, "qDate"),
        message=" ".join("".join(msg.itertext()).split()) if msg is not None else None,
    )


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
        statuses=tuple(s.get("s") for s in element.findall(q(DOMAIN, "status"))),
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


def _transfer(ns: str, key: str):
    def parse(element: etree._Element) -> TransferData:
        return TransferData(
            name=_required(element, ns, key),
            status=_required(element, ns, "trStatus"),
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
        statuses=tuple(s.get("s") for s in element.findall(q(CONTACT, "status"))),
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
