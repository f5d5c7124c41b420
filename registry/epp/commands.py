"""Commands as values: what to send, how to name it in our records, and how safe it is to
send again. The frame is built only when the client has chosen the clTRID.

Secrets (authInfo) live only inside ``build`` and ``probe``, which are left out of ``repr``
so that a logged command never shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import frames
from .data import ContactData


@dataclass(frozen=True)
class Command:
    name: str  # e.g. "domain:transfer:request"; what our records call it
    object_name: str
    # (dialect, clTRID) -> frame: a command is the same whichever registry it goes to
    build: Callable[[frames.Frames, str], bytes] = field(repr=False, compare=False)
    # changes an object at the registry (and so is worth a history event)
    transform: bool = False
    # sending it twice does no harm, so a lost answer may be fetched by sending it again
    resend_safe: bool = True
    # sending it twice leaves the registry as sending it once would
    idempotent: bool = True
    # a query whose answer shows whether this command took effect (see reconcile.py)
    probe: Command | None = field(default=None, repr=False, compare=False)

    def frame(self, cl_trid: str, dialect: frames.Frames = frames.RFC_FRAMES) -> bytes:
        return self.build(dialect, cl_trid)


def _transform(name: str, object_name: str, build, *, idempotent: bool = False, probe=None) -> Command:
    return Command(
        name=name,
        object_name=object_name,
        build=build,
        transform=True,
        resend_safe=False,
        idempotent=idempotent,
        probe=probe,
    )


def domain_check(*names: str) -> Command:
    return Command("domain:check", ",".join(names)[:253], lambda f, t: f.domain_check(names, cl_trid=t))


def domain_info(name: str, authinfo: str | None = None) -> Command:
    return Command("domain:info", name, lambda f, t: f.domain_info(name, authinfo=authinfo, cl_trid=t))


def domain_update(
    name: str,
    *,
    add_statuses: Iterable[str] = (),
    remove_statuses: Iterable[str] = (),
    registrant: str | None = None,
    authinfo: str | None = None,
    remove_authinfo: bool = False,
) -> Command:
    add_statuses, remove_statuses = tuple(add_statuses), tuple(remove_statuses)
    frames.domain_update(  # fail here, not later at send time, on a malformed update
        name,
        add_statuses=add_statuses,
        remove_statuses=remove_statuses,
        registrant=registrant,
        authinfo=authinfo,
        remove_authinfo=remove_authinfo,
        cl_trid="check-only",
    )
    return _transform(
        "domain:update",
        name,
        lambda f, t: f.domain_update(
            name,
            add_statuses=add_statuses,
            remove_statuses=remove_statuses,
            registrant=registrant,
            authinfo=authinfo,
            remove_authinfo=remove_authinfo,
            cl_trid=t,
        ),
        # statuses and values are set, not toggled: a second identical update changes nothing
        idempotent=True,
    )


def transfer_query(name: str, authinfo: str | None = None) -> Command:
    return Command(
        "domain:transfer:query",
        name,
        lambda f, t: f.domain_transfer("query", name, authinfo=authinfo, cl_trid=t),
    )


def transfer_request(name: str, authinfo: str, *, period_years: int | None = None) -> Command:
    frames.domain_transfer(
        "request", name, authinfo=authinfo, period_years=period_years, cl_trid="check-only"
    )
    return _transform(
        "domain:transfer:request",
        name,
        lambda f, t: f.domain_transfer(
            "request", name, authinfo=authinfo, period_years=period_years, cl_trid=t
        ),
        probe=transfer_query(name, authinfo),
    )


def _transfer_action(op: str, name: str, authinfo: str | None = None) -> Command:
    return _transform(
        f"domain:transfer:{op}",
        name,
        lambda f, t: f.domain_transfer(op, name, authinfo=authinfo, cl_trid=t),
        probe=transfer_query(name, authinfo),
    )


def transfer_approve(name: str) -> Command:
    return _transfer_action("approve", name)


def transfer_reject(name: str) -> Command:
    return _transfer_action("reject", name)


def transfer_cancel(name: str, authinfo: str | None = None) -> Command:
    """``authinfo``: a registry that wants the code on every transfer operation (NASK) gets it."""
    return _transfer_action("cancel", name, authinfo)


def transfer_resend_confirmation(name: str, authinfo: str) -> Command:
    """Ask the registry to e-mail the subscriber the transfer confirmation again (NASK). Sent
    twice, it sends two e-mails and changes nothing else."""
    return Command(
        "domain:transfer:resend",
        name,
        lambda f, t: f.domain_transfer(
            "request", name, authinfo=authinfo, resend_confirmation=True, cl_trid=t
        ),
        resend_safe=True,
    )


def contact_info(handle: str, authinfo: str | None = None, authinfo_roid: str | None = None) -> Command:
    """``authinfo_roid``: the authInfo given is that of the object with this ROID (a domain
    the contact is linked to), as a gaining registrar reads the registrant before a transfer."""
    return Command(
        "contact:info",
        handle,
        lambda f, t: f.contact_info(handle, authinfo=authinfo, authinfo_roid=authinfo_roid, cl_trid=t),
    )


def contact_create(contact: ContactData, authinfo: str) -> Command:
    frames.contact_create(contact, authinfo, cl_trid="check-only")
    return _transform(
        "contact:create",
        contact.handle,
        lambda f, t: f.contact_create(contact, authinfo, cl_trid=t),
        probe=contact_info(contact.handle),
    )


def poll_request() -> Command:
    return Command("poll:req", "", lambda f, t: f.poll_request(cl_trid=t))


def poll_ack(msg_id: str) -> Command:
    return Command(
        "poll:ack", msg_id, lambda f, t: f.poll_ack(msg_id, cl_trid=t), resend_safe=False, idempotent=False
    )
