"""The frames the sandbox sends: greeting, responses and their resData."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from registry.epp.codes import STANDARD_TEXTS, ResultCode
from registry.epp.namespaces import NASK, RFC, Namespaces, q

from .store import DomainRow, from_db

SERVER_ID = "RegFlow sandbox registry"
LANGUAGES = ("en", "pl")
# what each door offers at login: the RFC one RFC 8807; the NASK one NASK's extensions
OBJECT_URIS = {RFC: (RFC.domain, RFC.contact), NASK: (NASK.contact, NASK.host, NASK.domain)}
EXTENSION_URIS = {RFC: (RFC.ext("loginSec"),), NASK: (NASK.ext("extcon"), NASK.ext("extdom"))}


@dataclass(frozen=True)
class ExtValue:
    namespace: str
    element: str
    value: str
    reason: str


@dataclass(frozen=True)
class QueueState:
    count: int
    id: str
    queued_at: datetime | None = None
    message: str | None = None


def epp_date(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _root(ns: Namespaces) -> etree._Element:
    return etree.Element(q(ns.epp, "epp"), nsmap={None: ns.epp})


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)


def _sub(
    parent: etree._Element, ns: str, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, q(ns, local), **attrs)
    if text is not None:
        element.text = text
    return element


def greeting(now: datetime, ns: Namespaces = RFC) -> bytes:
    root = _root(ns)
    element = _sub(root, ns.epp, "greeting")
    _sub(element, ns.epp, "svID", SERVER_ID)
    _sub(element, ns.epp, "svDate", epp_date(now))
    menu = _sub(element, ns.epp, "svcMenu")
    _sub(menu, ns.epp, "version", "1.0")
    for lang in LANGUAGES:
        _sub(menu, ns.epp, "lang", lang)
    for uri in OBJECT_URIS[ns]:
        _sub(menu, ns.epp, "objURI", uri)
    extensions = _sub(menu, ns.epp, "svcExtension")
    for uri in EXTENSION_URIS[ns]:
        _sub(extensions, ns.epp, "extURI", uri)
    if ns is not RFC:
        return _serialize(root)  # NASK's greeting has no data collection policy
    dcp = _sub(element, ns.epp, "dcp")
    _sub(_sub(dcp, ns.epp, "access"), ns.epp, "all")
    statement = _sub(dcp, ns.epp, "statement")
    purpose = _sub(statement, ns.epp, "purpose")
    _sub(purpose, ns.epp, "admin")
    _sub(purpose, ns.epp, "prov")
    recipient = _sub(statement, ns.epp, "recipient")
    _sub(recipient, ns.epp, "ours")
    _sub(recipient, ns.epp, "public")
    _sub(_sub(statement, ns.epp, "retention"), ns.epp, "stated")
    return _serialize(root)


def response(
    code: int,
    *,
    cl_trid: str | None,
    sv_trid: str,
    message: str | None = None,
    ext_values: tuple[ExtValue, ...] = (),
    msgq: QueueState | None = None,
    res_data: etree._Element | None = None,
    ns: Namespaces = RFC,
) -> bytes:
    root = _root(ns)
    element = _sub(root, ns.epp, "response")
    result = _sub(element, ns.epp, "result", code=str(code))
    _sub(result, ns.epp, "msg", message or STANDARD_TEXTS[ResultCode(code)])
    for ext in ext_values:
        ext_el = _sub(result, ns.epp, "extValue")
        value = _sub(ext_el, ns.epp, "value")
        if ns is RFC:
            quoted = etree.SubElement(
                value, q(ext.namespace, ext.element), nsmap={_prefix(ext.namespace): ext.namespace}
            )
            quoted.text = ext.value
        else:
            # NASK's extValue names a reason code instead of quoting the element
            _sub(value, ns.epp, "reasonCode", ext.element)
        _sub(ext_el, ns.epp, "reason", ext.reason)
    if msgq is not None:
        queue = _sub(element, ns.epp, "msgQ", count=str(msgq.count), id=msgq.id)
        if msgq.queued_at is not None:
            _sub(queue, ns.epp, "qDate", epp_date(msgq.queued_at))
        if msgq.message is not None:
            _sub(queue, ns.epp, "msg", msgq.message)
    if res_data is not None:
        _sub(element, ns.epp, "resData").append(res_data)
    trid = _sub(element, ns.epp, "trID")
    if cl_trid:
        _sub(trid, ns.epp, "clTRID", cl_trid)
    _sub(trid, ns.epp, "svTRID", sv_trid)
    return _serialize(root)


def _prefix(namespace: str) -> str:
    for ns in (RFC, NASK):
        for prefix, uri in ns.prefixes.items():
            if uri == namespace:
                return prefix
    return "x"


def _object(ns: str, local: str) -> etree._Element:
    return etree.Element(q(ns, local), nsmap={_prefix(ns): ns})


def domain_chk_data(items: list[tuple[str, bool, str | None]], ns: Namespaces = RFC) -> etree._Element:
    data = _object(ns.domain, "chkData")
    for name, available, reason in items:
        cd = _sub(data, ns.domain, "cd")
        _sub(cd, ns.domain, "name", name, avail="1" if available else "0")
        if reason:
            _sub(cd, ns.domain, "reason", reason)
    return data


def domain_inf_data(domain: DomainRow, *, full: bool, ns: Namespaces = RFC) -> etree._Element:
    """What an info shows: to the sponsor, or to a client that gave the authInfo, all we
    hold (never the authInfo itself: only its hash is kept); to anyone else the name, the
    repository ID, the statuses and the sponsor."""
    data = _object(ns.domain, "infData")
    _sub(data, ns.domain, "name", domain.name)
    _sub(data, ns.domain, "roid", domain.roid)
    for status in domain.statuses or ("ok",):
        _sub(data, ns.domain, "status", s=status)
    if full and domain.registrant:
        _sub(data, ns.domain, "registrant", domain.registrant)
    _sub(data, ns.domain, "clID", domain.sponsor)
    if full:
        _sub(data, ns.domain, "crID", domain.created_by)
        _sub(data, ns.domain, "crDate", epp_date(domain.created_at))
        if domain.updated_at is not None:
            _sub(data, ns.domain, "upID", domain.updated_by)
            _sub(data, ns.domain, "upDate", epp_date(domain.updated_at))
        _sub(data, ns.domain, "exDate", epp_date(domain.expires_at))
        if domain.transferred_at is not None:
            _sub(data, ns.domain, "trDate", epp_date(domain.transferred_at))
    return data


def domain_trn_data(snapshot: dict[str, str | None], ns: Namespaces = RFC) -> etree._Element:
    """``snapshot`` as ``registry.transfer_snapshot`` makes it (dates already in EPP form)."""
    data = _object(ns.domain, "trnData")
    _sub(data, ns.domain, "name", snapshot["name"])
    _sub(data, ns.domain, "trStatus", snapshot["status"])
    _sub(data, ns.domain, "reID", snapshot["requested_by"])
    _sub(data, ns.domain, "reDate", snapshot["requested_at"])
    _sub(data, ns.domain, "acID", snapshot["action_by"])
    _sub(data, ns.domain, "acDate", snapshot["action_at"])
    if snapshot.get("expires_at"):
        _sub(data, ns.domain, "exDate", snapshot["expires_at"])
    return data


def contact_cre_data(handle: str, created_at: datetime, ns: Namespaces = RFC) -> etree._Element:
    data = _object(ns.contact, "creData")
    _sub(data, ns.contact, "id", handle)
    _sub(data, ns.contact, "crDate", epp_date(created_at))
    return data


def contact_inf_data(
    row: sqlite3.Row, statuses: tuple[str, ...], street: list[str], ns: Namespaces = RFC
) -> etree._Element:
    data = _object(ns.contact, "infData")
    _sub(data, ns.contact, "id", row["handle"])
    _sub(data, ns.contact, "roid", row["roid"])
    for status in statuses:
        _sub(data, ns.contact, "status", s=status)
    postal = _sub(data, ns.contact, "postalInfo", type=row["postal_type"])
    _sub(postal, ns.contact, "name", row["name"])
    if row["org"]:
        _sub(postal, ns.contact, "org", row["org"])
    addr = _sub(postal, ns.contact, "addr")
    for line in street:
        _sub(addr, ns.contact, "street", line)
    _sub(addr, ns.contact, "city", row["city"])
    if row["province"]:
        _sub(addr, ns.contact, "sp", row["province"])
    if row["postal_code"]:
        _sub(addr, ns.contact, "pc", row["postal_code"])
    _sub(addr, ns.contact, "cc", row["country"])
    if row["voice"]:
        _sub(data, ns.contact, "voice", row["voice"])
    if row["fax"]:
        _sub(data, ns.contact, "fax", row["fax"])
    _sub(data, ns.contact, "email", row["email"])
    _sub(data, ns.contact, "clID", row["sponsor"])
    _sub(data, ns.contact, "crID", row["created_by"])
    _sub(data, ns.contact, "crDate", epp_date(from_db(row["created_at"])))
    if row["updated_at"]:
        _sub(data, ns.contact, "upID", row["updated_by"])
        _sub(data, ns.contact, "upDate", epp_date(from_db(row["updated_at"])))
    return data


def notice_data(payload: dict, ns: Namespaces) -> etree._Element:
    """A poll message that is not about a transfer, in NASK's extdom (the RFC dialect has no
    such messages; the sandbox queues them at the NASK door only)."""
    extdom = ns.ext("extdom")
    kind = payload["kind"]
    data = _object(extdom, kind)
    if kind == "pollAuthInfo":
        domain = _sub(data, extdom, "domain")
        _sub(domain, extdom, "name", payload["name"])
        _sub(_sub(domain, extdom, "authInfo"), extdom, "pw", payload["authinfo"])
        if payload.get("registrant"):
            registrant = _sub(data, extdom, "registrant")
            _sub(registrant, extdom, "id", payload["registrant"])
            _sub(_sub(registrant, extdom, "authInfo"), extdom, "pw", payload["registrant_authinfo"])
    elif kind == "expData":
        for name in payload["names"]:
            _sub(data, extdom, "name", name)
        _sub(data, extdom, "exDate", payload["expires_at"])
    elif kind == "pollDomainAutoRenewed":
        _sub(data, extdom, "name", payload["name"])
    else:
        raise ValueError(f"the sandbox queues no {kind} messages")
    return data
