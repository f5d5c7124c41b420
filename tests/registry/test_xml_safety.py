"""Nothing a peer sends can make us read files, expand entities or fetch DTDs: a document
with a DOCTYPE is refused, by the client's parser and by the sandbox alike."""

from __future__ import annotations

import time

import pytest

from registry.epp import TcpTlsTransport, frames
from registry.epp.framelog import REDACTED, redact
from registry.epp.responses import parse_response
from registry.epp.results import XmlRefused
from registry.epp.safexml import parse_xml
from registry.epp.schema import frame_errors

RESPONSE_BODY = (
    '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>{msg}</msg>'
    "</result><trID><svTRID>SRV-1</svTRID></trID></response></epp>"
)


def xxe(secret_path) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY xxe SYSTEM "file://{secret_path}">]>'
        + RESPONSE_BODY.format(msg="&xxe;")
    ).encode()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE epp [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
    + RESPONSE_BODY.format(msg="&lol9;")
).encode()

EXTERNAL_DTD = (
    '<?xml version="1.0"?><!DOCTYPE epp SYSTEM "http://127.0.0.1:9/evil.dtd">' + RESPONSE_BODY.format(msg="x")
).encode()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-FILE-CONTENT")
    return path


def test_an_external_entity_is_never_resolved(secret_file):
    with pytest.raises(XmlRefused) as caught:
        parse_response(xxe(secret_file))
    assert "TOP-SECRET" not in str(caught.value)


def test_billion_laughs_is_refused_at_once():
    started = time.monotonic()
    with pytest.raises(XmlRefused):
        parse_response(BILLION_LAUGHS)
    assert time.monotonic() - started < 1


def test_an_external_dtd_is_refused():
    with pytest.raises(XmlRefused, match="DOCTYPE"):
        parse_xml(EXTERNAL_DTD)


def test_a_doctype_hidden_by_another_encoding_is_still_refused():
    # The byte check cannot see "<!DOCTYPE" in UTF-16; the check on the parsed tree does.
    document = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE epp>' + RESPONSE_BODY.format(msg="x")
    ).encode("utf-16")
    assert b"<!DOCTYPE" not in document
    with pytest.raises(XmlRefused, match="DOCTYPE"):
        parse_xml(document)


@pytest.mark.parametrize(
    "document",
    [b"", b"not xml at all", b"<epp>&undeclared;</epp>", b"<epp><unclosed></epp>"],
)
def test_malformed_documents_are_refused(document):
    with pytest.raises(XmlRefused):
        parse_xml(document)


def test_a_plain_response_still_parses():
    response = parse_response(RESPONSE_BODY.format(msg="Command completed successfully").encode())
    assert response.code == 1000 and response.trid.server == "SRV-1"


@pytest.fixture
def raw_session(sandbox):
    transport = TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=sandbox.cert_path, timeout=5)
    transport.connect()
    transport.recv_frame()  # the greeting
    yield transport
    transport.close()


@pytest.mark.parametrize("kind", ["xxe", "billion laughs", "external dtd"])
def test_the_sandbox_answers_a_doctype_with_a_syntax_error_and_stays_up(raw_session, secret_file, kind):
    document = {"xxe": xxe(secret_file), "billion laughs": BILLION_LAUGHS, "external dtd": EXTERNAL_DTD}[kind]
    raw_session.send_frame(document)
    answer = raw_session.recv_frame()
    assert frame_errors(answer) == []
    assert parse_response(answer).code == 2001
    assert b"TOP-SECRET" not in answer
    raw_session.send_frame(frames.hello())  # the session goes on
    assert b"<greeting>" in raw_session.recv_frame()


def test_the_frame_log_redacts_every_secret_and_shows_the_rest():
    frame = frames.login(
        "regflow",
        "pw-canary-1",
        new_password="pw-canary-2-that-is-long",
        cl_trid="t-1234",
        login_security=True,
    )
    text = redact(frame)
    assert "pw-canary" not in text
    assert text.count(REDACTED) == 3  # pw, the newPW sentinel and loginSec:newPW
    assert "<clID>regflow</clID>" in text

    text = redact(frames.domain_transfer("request", "ogrodnik.pl", authinfo="Code-Canary", cl_trid="t-1234"))
    assert "Code-Canary" not in text and "ogrodnik.pl" in text


def test_the_frame_log_does_not_show_what_it_cannot_parse():
    assert "Code-Canary" not in redact(b"<epp><pw>Code-Canary</pw>")
