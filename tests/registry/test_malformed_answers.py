"""Whatever a registry gets wrong in an answer, the parser says so with ``ProtocolError``.

The seeds are the sandbox's own answers to a whole session (greeting, login, check, info,
transfer, contact create and info, poll with a message, refusals); every variant breaks one
thing in one of them: an element removed, emptied, given a wrong value or repeated, an
attribute removed or given a wrong value. Each variant either parses or raises
``ProtocolError``; nothing else (ValueError, TypeError, KeyError, AttributeError...) may
escape. A poll message whose content is broken still names its message ID.
"""

from __future__ import annotations

import copy
import random
import uuid
from datetime import timedelta

import pytest
from lxml import etree

from registry.epp import TcpTlsTransport, frames
from registry.epp.data import ContactData
from registry.epp.frames import NASK_FRAMES
from registry.epp.https import HttpsTransport
from registry.epp.responses import parse_envelope, parse_frame, parse_response
from registry.epp.results import ProtocolError, ResponseDataInvalid

# Values a registry could put where a date, a number, a code, a name or a status belongs.
WRONG_VALUES = (
    "",
    " ",
    "x",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e3",
    "2026-13-45T25:61:00Z",
    "2026-02-30T10:00:00Z",
    "9999-12-31T23:59:59+14:00",
    "0000-01-01T00:00:00Z",
    "yesterday",
    "halfway",
    "ąęś 日本",
)


@pytest.fixture(scope="module")
def seeds(sandbox, sandbox_https) -> list[bytes]:
    """The sandbox's answers to one session of every kind of command, as received: from the
    RFC registry over TLS and from NASK over HTTPS, each in its dialect."""
    return rfc_seeds(sandbox) + nask_seeds(sandbox_https)


def rfc_seeds(sandbox) -> list[bytes]:
    client_id = f"m{uuid.uuid4().hex[:12]}"
    sandbox.store.add_registrar(client_id, "Malformed answers", "pw-malformed-1")
    now = sandbox.store.now()
    name = f"malformed-{client_id}.eu"
    sandbox.store.add_domain(
        name,
        sponsor="nordhost",
        registrant="N-OGRODNIK",
        authinfo="Seed-Code-1",
        created_at=now - timedelta(days=400),
        expires_at=now + timedelta(days=200),
    )
    transport = TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=sandbox.cert_path, timeout=5)
    transport.connect()
    answers = [transport.recv_frame()]

    def send(build, *args, **kwargs) -> None:
        transport.send_frame(build(*args, cl_trid=f"seed-{len(answers)}", **kwargs))
        answers.append(transport.recv_frame())

    send(frames.login, client_id, "pw-malformed-1")
    send(frames.domain_check, ["nowak-design.com", "free-malformed.com"])
    send(frames.domain_info, "nowak-design.com")
    send(frames.domain_info, name, authinfo="Seed-Code-1")
    send(frames.domain_info, "nie-ma-malformed.com")
    send(frames.domain_transfer, "request", name, authinfo="Wrong-Code-1")
    send(frames.domain_transfer, "request", name, authinfo="Seed-Code-1")
    send(frames.domain_transfer, "query", name)
    contact = ContactData(
        f"K-{client_id}"[:16], "Jan Test", "Kraków", "PL", "jan@example.pl", street=("Długa 1",)
    )
    send(frames.contact_create, contact, "Contact-Code-1")
    send(frames.contact_info, contact.handle)
    send(frames.domain_transfer, "cancel", name)
    send(frames.poll_request)  # the cancellation, queued for us as the requesting registrar
    send(frames.logout)
    transport.close()
    assert any(b"<msgQ" in a for a in answers) and any(b"infData" in a for a in answers)
    return answers


def nask_seeds(door) -> list[bytes]:
    client_id = f"n{uuid.uuid4().hex[:12]}"
    door.store.add_registrar(client_id, "Malformed answers (NASK)", "pw-malformed-1")
    now = door.store.now()
    name = f"malformed-{client_id}.pl"
    door.store.add_domain(
        name,
        sponsor="nordhost",
        registrant="N-OGRODNIK",
        authinfo="Seed-Code-1",
        created_at=now - timedelta(days=400),
        expires_at=now + timedelta(days=200),
    )
    door.store.queue_notice(
        client_id, "domain authInfo", {"kind": "pollAuthInfo", "name": name, "authinfo": "X-1"}
    )
    door.store.queue_notice(
        client_id,
        "soon domain expiration",
        {"kind": "expData", "names": [name], "expires_at": "2027-01-01T00:00:00Z"},
    )
    nask = NASK_FRAMES
    transport = HttpsTransport(door.url, ca_file=door.cert_path, timeout=5, hello_frame=nask.hello())
    transport.connect()
    answers = [transport.recv_frame()]

    def send(build, *args, **kwargs) -> None:
        transport.send_frame(build(*args, cl_trid=f"seed-{len(answers)}", **kwargs))
        answers.append(transport.recv_frame())

    send(nask.login, client_id, "pw-malformed-1")
    send(nask.domain_check, ["kowalski.pl", "free-malformed.pl"])
    send(nask.domain_info, name, authinfo="Seed-Code-1")
    send(nask.domain_transfer, "request", name, authinfo="Wrong-Code-1")
    send(nask.domain_transfer, "request", name, authinfo="Seed-Code-1")
    send(nask.domain_transfer, "query", name, authinfo="Seed-Code-1")
    send(nask.poll_request)  # NASK's pollAuthInfo
    send(nask.poll_ack, parse_envelope(answers[-1]).msgq.id)
    send(nask.poll_request)  # its expData
    send(nask.logout)
    transport.close()
    assert any(b"pollAuthInfo" in a for a in answers) and any(b"expData" in a for a in answers)
    return answers


def _variants(frame: bytes, rng: random.Random):
    """(what was broken, the broken frame) for one seed."""
    root = etree.fromstring(frame)

    def nth(tree: etree._Element, index: int) -> etree._Element:
        return next(e for i, e in enumerate(tree.iter(etree.Element)) if i == index)

    for index, original in enumerate(list(root.iter(etree.Element))):
        path = etree.QName(original).localname + f"#{index}"
        for how in ("remove", "empty", "value", "repeat", "attributes"):
            broken = copy.deepcopy(root)
            element = nth(broken, index)
            if how == "remove":
                if element.getparent() is None:
                    continue
                element.getparent().remove(element)
            elif how == "empty":
                for child in list(element):
                    element.remove(child)
                element.text = None
            elif how == "value":
                if len(element):
                    continue
                element.text = rng.choice(WRONG_VALUES)
            elif how == "repeat":
                if element.getparent() is None:
                    continue
                element.addnext(copy.deepcopy(element))
            elif how == "attributes":
                if not element.attrib:
                    continue
                for key in list(element.attrib):
                    if rng.random() < 0.5:
                        del element.attrib[key]
                    else:
                        element.set(key, rng.choice(WRONG_VALUES))
            yield f"{how} {path}", etree.tostring(broken)
        # every wrong value at once for a leaf, so that each kind of text meets each parser
        if not len(original):
            for value in WRONG_VALUES:
                broken = copy.deepcopy(root)
                nth(broken, index).text = value
                yield f"{value!r} in {path}", etree.tostring(broken)


def test_only_protocol_errors_escape_the_parser(seeds):
    rng = random.Random(20261203)
    tried = refused = 0
    for seed in seeds:
        parse_frame(seed)  # the seed itself is a good answer
        for what, variant in _variants(seed, rng):
            tried += 1
            try:
                parse_frame(variant)
            except ProtocolError:
                refused += 1
            except Exception as exc:  # noqa: BLE001 - the point of the test
                pytest.fail(f"{what}: {type(exc).__name__}: {exc}\n{variant.decode()}")
    # Many variants, and many of them refused: the mutations do reach the parsers.
    assert tried > 2000 and refused > 300, (tried, refused)


def test_a_poll_message_whose_content_is_broken_still_names_its_message(seeds):
    poll = next(a for a in seeds if b"<msgQ" in a)
    good = parse_response(poll)
    for broken in (
        poll.replace(b"clientCancelled", b"halfway"),
        poll.replace(b"<domain:reDate>", b"<domain:reDate>yesterday"),
        poll.replace(b'count="', b'count="many'),
    ):
        with pytest.raises(ResponseDataInvalid) as caught:
            parse_response(broken)
        envelope = caught.value.response
        assert envelope.msgq.id == good.msgq.id and envelope.code == 1301 and envelope.data is None
        assert envelope.frame == broken
        assert parse_envelope(broken).msgq.id == good.msgq.id
