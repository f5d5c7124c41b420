"""Reading NASK's answers and any logged frame: the parser turns every answer NASK's clients
show into typed values, and ``manage.py registry_frame decode`` prints them for support staff."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from registry.epp.data import AuthInfoNotice, ExpiryNotice, RegistryNotice, TransferData
from registry.epp.decode import describe, split_log
from registry.epp.framelog import FrameLog
from registry.epp.namespaces import NASK, RFC
from registry.epp.responses import dialect_of, parse_frame
from registry.epp.results import Greeting, ProtocolError, Response

from .test_nask_schemas import VALID

ANSWERS = {
    kind: frame
    for kind, frame in VALID.items()
    if b"<response>" in frame or b"<greeting>" in frame
    if "report" not in kind  # a root extension: NASK's prepaid report, not a command answer
}


@pytest.mark.parametrize("kind", sorted(ANSWERS))
def test_every_nask_answer_is_read(kind):
    frame = parse_frame(ANSWERS[kind])
    assert isinstance(frame, Greeting | Response)
    assert dialect_of(ANSWERS[kind]) is NASK


def test_transfer_messages_read_as_transfers():
    for kind, status in (
        ("9.1 domain transfer requested", "pending"),
        ("9.2 domain transfer cancelled", "clientCancelled"),
        ("9.3 domain transfer expired", "serverCancelled"),
        ("9.4 domain transferred", "clientApproved"),
    ):
        response = parse_frame(VALID[kind])
        assert response.code == 1301 and response.msgq is not None and response.msgq.id
        assert isinstance(response.data, TransferData)
        assert response.data.status == status


def test_nask_notices_read_as_what_they_say():
    authinfo = parse_frame(VALID["9.11 domain authInfo"]).data
    assert isinstance(authinfo, AuthInfoNotice)
    assert authinfo.name and authinfo.authinfo
    assert authinfo.authinfo not in repr(authinfo)  # a code never shows in a log line
    expiry = parse_frame(VALID["9.10 soon domain expiration"]).data
    assert isinstance(expiry, ExpiryNotice) and len(expiry.names) >= 1 and expiry.expires_at.tzinfo
    renewed = parse_frame(VALID["9.21 domain renewed automatically"]).data
    assert isinstance(renewed, RegistryNotice) and renewed.kind == "pollDomainAutoRenewed" and renewed.names


def test_decode_prints_the_typed_answer_without_secrets(tmp_path):
    log = FrameLog(tmp_path / "frames.log")
    log.record("S>C", VALID["9.4 domain transferred"], peer="regflow@nask")
    log.record("S>C", VALID["9.11 domain authInfo"], peer="regflow@nask")
    out = io.StringIO()
    call_command("registry_frame", "decode", str(tmp_path / "frames.log"), "--profile", "nask", stdout=out)
    text = out.getvalue()
    first, second = (json.loads(chunk) for chunk in _json_documents(text))
    assert first["code"] == 1301 and first["dialect"] == "nask" and first["direction"] == "S>C"
    assert first["msgQ"]["id"] and first["resData"]["type"] == "TransferData"
    assert first["resData"]["status"] == "clientApproved"
    assert first["resData"]["requested_by"] and first["resData"]["action_by"]
    assert first["resData"]["requested_at"].startswith("20")
    assert second["resData"]["type"] == "AuthInfoNotice" and "authinfo" not in second["resData"]
    assert "cPxWt418" not in text and "[redacted]" not in json.dumps(second["resData"])


def test_decode_refuses_the_wrong_profile_and_a_missing_file(tmp_path):
    path = tmp_path / "one.xml"
    path.write_bytes(VALID["9.4 domain transferred"])
    with pytest.raises(CommandError, match="could not be read"):
        call_command("registry_frame", "decode", str(path), "--profile", "rfc", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("registry_frame", "decode", str(tmp_path / "none.xml"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no entry 3"):
        call_command("registry_frame", "decode", str(path), "--entry", "3", stdout=io.StringIO())


def test_commands_we_sent_are_described_too():
    described = describe(VALID["domain transfer request resending the confirmation"])
    assert described["kind"] == "command" and described["command"] == "transfer"
    assert described["op"] == "request" and described["resendConfirmationRequest"] is True
    assert described["name"] == "example.pl" and described["clTRID"]


def test_a_frame_in_no_known_dialect_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        describe(b'<?xml version="1.0"?><epp xmlns="urn:example:other"><hello/></epp>')
    with pytest.raises(ProtocolError):
        describe(VALID["9.4 domain transferred"], RFC)
    assert len(split_log(b"   <epp/>  ")) == 1


def _json_documents(text: str) -> list[str]:
    decoder, index, found = json.JSONDecoder(), 0, []
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        _obj, end = decoder.raw_decode(text, index)
        found.append(text[index:end])
        index = end
    return found


def test_decode_says_what_a_code_means_at_that_registry(tmp_path):
    path = tmp_path / "refused.xml"
    path.write_bytes(VALID["2303"].replace(b'code="2303"', b'code="2304"'))
    out = io.StringIO()
    call_command("registry_frame", "decode", str(path), stdout=out)
    described = json.loads(out.getvalue())
    assert described["code"] == 2304 and "status forbids it" in described["meaning"]
