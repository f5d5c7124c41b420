"""Building EPP command frames (RFC 5730 core, RFC 5731 domain, RFC 5733 contact).

Each builder returns the UTF-8 bytes of one complete ``<epp>`` document carrying the
``clTRID`` it is given. Builders check what the schemas cannot express and nothing more;
``schema.validate_frame`` checks the rest.

``Frames`` builds them in the RFC namespaces; a registry with a dialect of its own has a
subclass (``NaskFrames`` for .pl) that changes only what differs. The module-level functions
are the RFC builders, as most callers and the tests use them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from lxml import etree

from .data import ContactData
from .namespaces import NASK, RFC, Namespaces, q
from .results import ClientConfigurationError

TRANSFER_OPS = ("request", "query", "approve", "reject", "cancel")
# RFC 5730 pwType; a longer password travels in the RFC 8807 extension behind this sentinel.
BASE_PW_MIN, BASE_PW_MAX = 6, 16
LOGIN_SECURITY_SENTINEL = "[LOGIN-SECURITY]"


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)


def _check_cl_trid(cl_trid: str) -> str:
    if not 3 <= len(cl_trid) <= 64 or cl_trid != cl_trid.strip() or any(c.isspace() for c in cl_trid):
        raise ValueError("a clTRID has 3 to 64 characters and no spaces")
    return cl_trid


def _sub(
    parent: etree._Element, ns: str, local: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, q(ns, local), **attrs)
    if text is not None:
        element.text = text
    return element


def _object(parent: etree._Element, ns: str, prefix: str, local: str) -> etree._Element:
    return etree.SubElement(parent, q(ns, local), nsmap={prefix: ns})


def _auth_info(parent: etree._Element, ns: str, authinfo: str, *, roid: str | None = None) -> None:
    if not authinfo:
        raise ValueError("an authInfo cannot be empty")
    pw = _sub(_sub(parent, ns, "authInfo"), ns, "pw", authinfo)
    if roid:
        # RFC 5733 3.1.2: the authInfo of an associated object (the domain), named by its ROID
        pw.set("roid", roid)


class Frames:
    """The RFC dialect. Subclasses set ``ns`` and override what their registry does otherwise."""

    ns: Namespaces = RFC
    # what a login announces: objects, then extensions (besides RFC 8807's, added when needed)
    login_object_uris: tuple[str, ...] = (RFC.domain, RFC.contact)
    login_extension_uris: tuple[str, ...] = ()
    # the losing registrar's answers to a transfer; a registry may not offer them
    transfer_ops: tuple[str, ...] = TRANSFER_OPS

    # ------------------------------------------------------------------- envelope

    def _root(self) -> etree._Element:
        return etree.Element(q(self.ns.epp, "epp"), nsmap={None: self.ns.epp})

    def _command(self, build_body, cl_trid: str) -> bytes:
        root = self._root()
        command = etree.SubElement(root, q(self.ns.epp, "command"))
        build_body(command)
        # <extension> goes after the verb and before <clTRID> (RFC 5730 2.9.1): builders that
        # need one have added it already.
        etree.SubElement(command, q(self.ns.epp, "clTRID")).text = _check_cl_trid(cl_trid)
        return _serialize(root)

    def _extension(self, command: etree._Element) -> etree._Element:
        found = command.find(q(self.ns.epp, "extension"))
        return found if found is not None else _sub(command, self.ns.epp, "extension")

    # ------------------------------------------------------------------- session

    def hello(self) -> bytes:
        root = self._root()
        etree.SubElement(root, q(self.ns.epp, "hello"))
        return _serialize(root)

    def login(
        self,
        client_id: str,
        password: str,
        *,
        cl_trid: str,
        new_password: str | None = None,
        lang: str = "en",
        object_uris: Sequence[str] | None = None,
        extension_uris: Sequence[str] | None = None,
        login_security: bool = False,
        user_agent: str | None = None,
    ) -> bytes:
        """``<login>``. With ``login_security`` (the server offers RFC 8807), a password that does
        not fit RFC 5730's 6-16 characters travels in ``<loginSec:pw>`` and ``<pw>`` carries the
        sentinel; without it such a password cannot be sent at all."""
        epp = self.ns.epp
        loginsec = RFC.ext("loginSec")
        object_uris = self.login_object_uris if object_uris is None else object_uris
        extension_uris = self.login_extension_uris if extension_uris is None else extension_uris
        passwords = {"pw": password, "newPW": new_password}
        relocated = {k: v for k, v in passwords.items() if v is not None and not self._fits_pw(v)}
        if relocated and not login_security:
            raise ClientConfigurationError(self._login_length_rule)
        if any(v == LOGIN_SECURITY_SENTINEL for v in passwords.values()):
            raise ClientConfigurationError(f"{LOGIN_SECURITY_SENTINEL} is reserved and cannot be a password")
        ext_uris = list(extension_uris)
        if relocated and loginsec not in ext_uris:
            ext_uris.append(loginsec)

        def body(command: etree._Element) -> None:
            login_el = _sub(command, epp, "login")
            _sub(login_el, epp, "clID", client_id)
            _sub(login_el, epp, "pw", LOGIN_SECURITY_SENTINEL if "pw" in relocated else password)
            if new_password is not None:
                _sub(
                    login_el, epp, "newPW", LOGIN_SECURITY_SENTINEL if "newPW" in relocated else new_password
                )
            options = _sub(login_el, epp, "options")
            _sub(options, epp, "version", "1.0")
            _sub(options, epp, "lang", lang)
            svcs = _sub(login_el, epp, "svcs")
            for uri in object_uris:
                _sub(svcs, epp, "objURI", uri)
            if ext_uris:
                svc_ext = _sub(svcs, epp, "svcExtension")
                for uri in ext_uris:
                    _sub(svc_ext, epp, "extURI", uri)
            if relocated:
                extension = _sub(command, epp, "extension")
                sec = _object(extension, loginsec, "loginSec", "loginSec")
                if user_agent:
                    _sub(_sub(sec, loginsec, "userAgent"), loginsec, "app", user_agent)
                for key in ("pw", "newPW"):
                    if key in relocated:
                        _sub(sec, loginsec, key, relocated[key])

        return self._command(body, cl_trid)

    _login_length_rule = (
        "the registry password must have 6 to 16 characters unless the registry offers "
        "RFC 8807 login security, and this one does not"
    )

    @staticmethod
    def _fits_pw(password: str) -> bool:
        return BASE_PW_MIN <= len(password) <= BASE_PW_MAX

    def logout(self, *, cl_trid: str) -> bytes:
        return self._command(lambda command: _sub(command, self.ns.epp, "logout"), cl_trid)

    # ------------------------------------------------------------------- domain

    def domain_check(self, names: Iterable[str], *, cl_trid: str) -> bytes:
        names = list(names)
        if not names:
            raise ValueError("check at least one name")
        domain = self.ns.domain

        def body(command: etree._Element) -> None:
            check = _object(_sub(command, self.ns.epp, "check"), domain, "domain", "check")
            for name in names:
                _sub(check, domain, "name", name)

        return self._command(body, cl_trid)

    def domain_info(
        self, name: str, *, cl_trid: str, authinfo: str | None = None, hosts: str = "all"
    ) -> bytes:
        domain = self.ns.domain

        def body(command: etree._Element) -> None:
            info = _object(_sub(command, self.ns.epp, "info"), domain, "domain", "info")
            _sub(info, domain, "name", name, hosts=hosts)
            if authinfo is not None:
                _auth_info(info, domain, authinfo)

        return self._command(body, cl_trid)

    def domain_update(
        self,
        name: str,
        *,
        cl_trid: str,
        add_statuses: Iterable[str] = (),
        remove_statuses: Iterable[str] = (),
        registrant: str | None = None,
        authinfo: str | None = None,
        remove_authinfo: bool = False,
    ) -> bytes:
        add_statuses, remove_statuses = list(add_statuses), list(remove_statuses)
        if authinfo is not None and remove_authinfo:
            raise ValueError("either set a new authInfo or remove it, not both")
        if not (
            add_statuses
            or remove_statuses
            or registrant is not None
            or authinfo is not None
            or remove_authinfo
        ):
            raise ValueError("an update must change something")
        domain = self.ns.domain

        def body(command: etree._Element) -> None:
            update = _object(_sub(command, self.ns.epp, "update"), domain, "domain", "update")
            _sub(update, domain, "name", name)
            for section, statuses in (("add", add_statuses), ("rem", remove_statuses)):
                if statuses:
                    element = _sub(update, domain, section)
                    for status in statuses:
                        _sub(element, domain, "status", s=status)
            if registrant is not None or authinfo is not None or remove_authinfo:
                chg = _sub(update, domain, "chg")
                if registrant is not None:
                    _sub(chg, domain, "registrant", registrant)
                if authinfo is not None:
                    _auth_info(chg, domain, authinfo)
                elif remove_authinfo:
                    self._remove_authinfo(chg)

        return self._command(body, cl_trid)

    def _remove_authinfo(self, chg: etree._Element) -> None:
        _sub(_sub(chg, self.ns.domain, "authInfo"), self.ns.domain, "null")

    def domain_transfer(
        self,
        op: str,
        name: str,
        *,
        cl_trid: str,
        authinfo: str | None = None,
        period_years: int | None = None,
        resend_confirmation: bool = False,
    ) -> bytes:
        """Any of the transfer operations. The gaining registrar's ``request`` needs the
        authInfo; a third party's ``query`` may give it to prove its right to ask."""
        self._check_transfer(op, authinfo, period_years, resend_confirmation)
        domain = self.ns.domain

        def body(command: etree._Element) -> None:
            transfer = _sub(command, self.ns.epp, "transfer", op=op)
            element = _object(transfer, domain, "domain", "transfer")
            _sub(element, domain, "name", name)
            if period_years is not None:
                _sub(element, domain, "period", str(period_years), unit="y")
            if authinfo is not None:
                _auth_info(element, domain, authinfo)
            if resend_confirmation:
                self._resend_confirmation(command)

        return self._command(body, cl_trid)

    def _check_transfer(
        self, op: str, authinfo: str | None, period_years: int | None, resend_confirmation: bool
    ) -> None:
        if op not in TRANSFER_OPS:
            raise ValueError(f"unknown transfer operation {op!r}")
        if op not in self.transfer_ops:
            raise ClientConfigurationError(f"this registry offers no transfer {op}")
        if op == "request" and not authinfo:
            raise ValueError("a transfer request needs the authInfo")
        if period_years is not None and (op != "request" or not 1 <= period_years <= 10):
            raise ValueError("a period of 1 to 10 years goes with a transfer request only")
        if resend_confirmation:
            raise ClientConfigurationError("this registry sends no transfer confirmation to resend")

    def _resend_confirmation(self, command: etree._Element) -> None:
        raise ClientConfigurationError("this registry sends no transfer confirmation to resend")

    # ------------------------------------------------------------------- contact

    def contact_create(self, contact: ContactData, authinfo: str, *, cl_trid: str) -> bytes:
        if len(contact.street) > 3:
            raise ValueError("a contact address has at most three street lines")
        ns = self.ns.contact

        def body(command: etree._Element) -> None:
            create = _object(_sub(command, self.ns.epp, "create"), ns, "contact", "create")
            _sub(create, ns, "id", contact.handle)
            postal = _sub(create, ns, "postalInfo", type=contact.postal_type)
            _sub(postal, ns, "name", contact.name)
            if contact.org:
                _sub(postal, ns, "org", contact.org)
            addr = _sub(postal, ns, "addr")
            for line in contact.street:
                _sub(addr, ns, "street", line)
            _sub(addr, ns, "city", contact.city)
            if contact.province:
                _sub(addr, ns, "sp", contact.province)
            if contact.postal_code:
                _sub(addr, ns, "pc", contact.postal_code)
            _sub(addr, ns, "cc", contact.country)
            if contact.voice:
                _sub(create, ns, "voice", contact.voice)
            if contact.fax:
                _sub(create, ns, "fax", contact.fax)
            _sub(create, ns, "email", contact.email)
            _auth_info(create, ns, authinfo)
            self._contact_create_extension(command, contact)

        return self._command(body, cl_trid)

    def _contact_create_extension(self, command: etree._Element, contact: ContactData) -> None:
        """What a registry wants to know of a new contact besides RFC 5733: nothing, here."""

    def contact_info(
        self, handle: str, *, cl_trid: str, authinfo: str | None = None, authinfo_roid: str | None = None
    ) -> bytes:
        ns = self.ns.contact

        def body(command: etree._Element) -> None:
            info = _object(_sub(command, self.ns.epp, "info"), ns, "contact", "info")
            _sub(info, ns, "id", handle)
            if authinfo is not None:
                self._contact_info_authinfo(command, info, authinfo, authinfo_roid)

        return self._command(body, cl_trid)

    def _contact_info_authinfo(
        self, command: etree._Element, info: etree._Element, authinfo: str, roid: str | None
    ) -> None:
        _auth_info(info, self.ns.contact, authinfo, roid=roid)

    # ------------------------------------------------------------------- poll

    def poll_request(self, *, cl_trid: str) -> bytes:
        return self._command(lambda command: _sub(command, self.ns.epp, "poll", op="req"), cl_trid)

    def poll_ack(self, msg_id: str, *, cl_trid: str) -> bytes:
        if not msg_id or msg_id != msg_id.strip():
            raise ValueError("a message ID is a non-empty token")
        return self._command(
            lambda command: _sub(command, self.ns.epp, "poll", op="ack", msgID=msg_id), cl_trid
        )


class NaskFrames(Frames):
    """NASK's EPP 2.1 (.pl), as docs/registries/nask-epp.md establishes it.

    What differs from RFC 5730-5733: its own namespaces; a login names its extensions (the
    schema requires ``svcExtension``) and takes a 6-64 character password with no RFC 8807;
    every transfer operation carries the authInfo; the losing registrar has no approve or reject;
    an authInfo cannot be removed (no ``<domain:null/>``); a contact says whether it is a
    natural person (``extcon:individual``); another registrar's contact is read with its
    authInfo in ``extcon:info``; the subscriber's confirmation e-mail can be asked for again
    (``extdom:transfer/resendConfirmationRequest``).
    """

    ns = NASK
    login_object_uris = (NASK.contact, NASK.host, NASK.domain)
    login_extension_uris = (NASK.ext("extcon"), NASK.ext("extdom"))
    transfer_ops = ("request", "query", "cancel")
    _login_length_rule = "the NASK registry password must have 6 to 64 characters"

    @staticmethod
    def _fits_pw(password: str) -> bool:
        return 6 <= len(password) <= 64

    def _remove_authinfo(self, chg: etree._Element) -> None:
        # NASK cannot forget a domain's code; one nobody knows does the same: it is not kept.
        _auth_info(chg, self.ns.domain, secrets.token_urlsafe(30))

    def _check_transfer(
        self, op: str, authinfo: str | None, period_years: int | None, resend_confirmation: bool
    ) -> None:
        if op not in TRANSFER_OPS:
            raise ValueError(f"unknown transfer operation {op!r}")
        if op not in self.transfer_ops:
            raise ClientConfigurationError(
                f"NASK offers no transfer {op}: the losing registrar neither approves nor rejects"
            )
        if not authinfo:
            raise ValueError("every NASK transfer operation carries the domain's authInfo")
        if period_years is not None and (op != "request" or not 1 <= period_years <= 10):
            raise ValueError("a period of 1 to 10 years goes with a transfer request only")
        if resend_confirmation and (op != "request" or period_years is not None):
            raise ValueError("a confirmation is asked for again by a transfer request with no period")

    def _resend_confirmation(self, command: etree._Element) -> None:
        extdom = self.ns.ext("extdom")
        transfer = _object(self._extension(command), extdom, "extdom", "transfer")
        _sub(transfer, extdom, "resendConfirmationRequest")

    def _contact_create_extension(self, command: etree._Element, contact: ContactData) -> None:
        extcon = self.ns.ext("extcon")
        create = _object(self._extension(command), extcon, "extcon", "create")
        _sub(create, extcon, "individual", "1" if contact.individual else "0")

    def _contact_info_authinfo(
        self, command: etree._Element, info: etree._Element, authinfo: str, roid: str | None
    ) -> None:
        extcon = self.ns.ext("extcon")
        ext_info = _object(self._extension(command), extcon, "extcon", "info")
        _auth_info(ext_info, extcon, authinfo, roid=roid)


RFC_FRAMES = Frames()
NASK_FRAMES = NaskFrames()
DIALECT_FRAMES: dict[str, Frames] = {"rfc": RFC_FRAMES, "nask": NASK_FRAMES}

# The RFC builders by their old names.
hello = RFC_FRAMES.hello
login = RFC_FRAMES.login
logout = RFC_FRAMES.logout
domain_check = RFC_FRAMES.domain_check
domain_info = RFC_FRAMES.domain_info
domain_update = RFC_FRAMES.domain_update
domain_transfer = RFC_FRAMES.domain_transfer
contact_create = RFC_FRAMES.contact_create
contact_info = RFC_FRAMES.contact_info
poll_request = RFC_FRAMES.poll_request
poll_ack = RFC_FRAMES.poll_ack
