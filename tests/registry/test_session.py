"""Sessions with the sandbox over TLS: greeting, login, failures of every kind, reconnection."""

from __future__ import annotations

import contextlib
import socket

import pytest
from django.utils import translation

from registry.epp import (
    AuthenticationError,
    ClientConfigurationError,
    CommandOutcomeUnknown,
    EppClient,
    LoginRefused,
    RegistryUnavailable,
    TcpTlsTransport,
    frames,
)
from registry.epp.namespaces import CONTACT, DOMAIN, LOGIN_SEC
from registry.epp.responses import parse_response
from registry.messages import message_for
from registry.sandbox.certs import generate_self_signed
from registry.sandbox.server import SandboxServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_greeting_announces_the_services(epp_client):
    greeting = epp_client().greeting
    assert greeting.server_id == "RegFlow sandbox registry"
    assert greeting.versions == ("1.0",)
    assert {DOMAIN, CONTACT} <= set(greeting.object_uris)
    assert greeting.supports(LOGIN_SEC)


def test_hello_brings_a_fresh_greeting(epp_client):
    client = epp_client()
    first = client.greeting
    again = client.hello()
    assert again.server_id == first.server_id and again.server_date >= first.server_date


def test_a_wrong_password_is_an_authentication_error(epp_client):
    # The registry closed to us (requests wait), with the registry's refusal as its cause.
    with pytest.raises(LoginRefused) as caught:
        epp_client("regflow", password="wrong-password-123")
    assert caught.value.code == 2200 and isinstance(caught.value.__cause__, AuthenticationError)
    assert "wrong-password-123" not in str(caught.value)


def test_an_unknown_client_id_is_an_authentication_error(epp_client):
    with pytest.raises(LoginRefused) as caught:
        epp_client("nobody", password="whatever-1")
    assert isinstance(caught.value.__cause__, AuthenticationError)


def test_three_failed_logins_end_the_session(sandbox):
    transport = TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=sandbox.cert_path, timeout=5)
    transport.connect()
    transport.recv_frame()
    codes = []
    for attempt in range(3):
        transport.send_frame(frames.login("regflow", "wrong-pw-1", cl_trid=f"bad-login-{attempt}"))
        codes.append(parse_response(transport.recv_frame()).code)
    assert codes == [2200, 2200, 2501]
    with pytest.raises(RegistryUnavailable):
        transport.recv_frame()


def test_commands_before_login_are_refused(sandbox):
    transport = TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=sandbox.cert_path, timeout=5)
    transport.connect()
    transport.recv_frame()
    transport.send_frame(frames.domain_info("nowak-design.com", cl_trid="early-1"))
    response = parse_response(transport.recv_frame())
    transport.close()
    assert response.code == 2002 and response.trid.client == "early-1"


def test_a_registry_that_is_down_is_reported_clearly():
    port = free_port()
    client = EppClient(
        TcpTlsTransport("127.0.0.1", port, ca_file=None, timeout=2), client_id="regflow", password="not-sent"
    )
    with pytest.raises(RegistryUnavailable) as caught:
        client.domain_info("nowak-design.com")
    assert (
        str(caught.value)
        == f"the registry at 127.0.0.1:{port} refused the connection (nothing is listening there)"
    )
    with translation.override("en"):
        assert str(message_for(caught.value)).startswith("The registry cannot be reached at the moment.")


def test_a_registry_that_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts into the backlog, never speaks
        port = silent.getsockname()[1]
        client = EppClient(
            TcpTlsTransport("127.0.0.1", port, ca_file=None, timeout=0.3),
            client_id="regflow",
            password="x" * 8,
        )
        with pytest.raises(RegistryUnavailable, match=r"within 0\.3 s"):
            client.connect()


def test_a_server_certificate_we_do_not_trust_is_refused(sandbox, tmp_path):
    other_ca, other_key = tmp_path / "other.pem", tmp_path / "other.key"
    generate_self_signed(other_ca, other_key, common_name="someone else", hosts=["127.0.0.1"])
    client = EppClient(
        TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=other_ca, timeout=5),
        client_id="regflow",
        password="sandbox-regflow-pw",
    )
    with pytest.raises(RegistryUnavailable, match="certificate that does not verify"):
        client.connect()


def test_a_missing_ca_file_is_a_configuration_error(sandbox, tmp_path):
    client = EppClient(
        TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=tmp_path / "absent.pem"),
        client_id="regflow",
        password="sandbox-regflow-pw",
    )
    with pytest.raises(ClientConfigurationError, match="absent.pem"):
        client.connect()


def test_the_client_reconnects_after_the_server_closed_the_session(sandbox, epp_client):
    client = epp_client()
    assert client.domain_info("nowak-design.com").code == 1000
    assert sandbox.drop_sessions() >= 1
    assert client.domain_info("nowak-design.com").code == 1000
    assert client.reconnects == 1


def test_a_lost_answer_to_a_query_is_fetched_by_asking_again(sandbox, epp_client):
    client = epp_client()
    before = sandbox.commands_handled[("regflow", "domain:info")]
    sandbox.lose_next_answer("regflow")
    assert client.domain_info("nowak-design.com").data.name == "nowak-design.com"
    assert sandbox.commands_handled[("regflow", "domain:info")] == before + 2
    assert client.reconnects == 1


def test_a_lost_answer_to_a_transform_is_not_sent_again(sandbox, epp_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost")
    client = epp_client()
    sandbox.lose_next_answer("regflow")
    with pytest.raises(CommandOutcomeUnknown) as caught:
        client.transfer_request(domain.name, domain.authinfo)
    assert caught.value.cl_trid.startswith("regflow-")
    assert len(sandbox.store.transfers(domain.name)) == 1  # executed once, never resent
    assert client.transfer_query(domain.name).data.status == "pending"  # and the client goes on


def test_logout_ends_the_session(epp_client):
    client = epp_client()
    client.logout()
    assert not client.logged_in and not client.transport.connected


def test_a_password_change_at_login(epp_client, sandbox_registrar):
    registrar = sandbox_registrar()
    client = epp_client(registrar.client_id, registrar.password)
    client.change_password("a-much-longer-new-password-2026")
    client.close()
    assert epp_client(registrar.client_id, "a-much-longer-new-password-2026").logged_in
    with pytest.raises(LoginRefused) as caught:
        epp_client(registrar.client_id, registrar.password)
    assert caught.value.code == 2200


def test_a_client_certificate_is_presented_when_the_registry_asks_for_one(sandbox, tmp_path):
    client_cert, client_key = tmp_path / "client.pem", tmp_path / "client.key"
    generate_self_signed(client_cert, client_key, common_name="regflow", for_client=True)
    server = SandboxServer(tmp_path / "strict", client_ca_file=client_cert)
    server.store.add_registrar("regflow", "RegFlow", "sandbox-regflow-pw")
    with server:

        def client(**cert) -> EppClient:
            transport = TcpTlsTransport("127.0.0.1", server.port, ca_file=server.cert_path, timeout=5, **cert)
            return EppClient(transport, client_id="regflow", password="sandbox-regflow-pw")

        with client(client_cert=client_cert, client_key=client_key) as with_cert:
            assert with_cert.logged_in
        with pytest.raises(RegistryUnavailable):
            client().connect()


class ScriptedServer:
    """A TLS server that sends the given frames, one per frame it receives (the first at
    once): a registry that misbehaves in a way the sandbox never does."""

    def __init__(self, directory, frames_to_send: list[bytes]) -> None:
        import ssl
        import threading

        from registry.epp.framing import read_frame, write_frame

        self.cert, key = directory / "cert.pem", directory / "key.pem"
        generate_self_signed(self.cert, key, common_name="scripted", hosts=["127.0.0.1"])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]

        def serve() -> None:
            raw, _ = self.listener.accept()
            # the client hangs up when it has had enough; that ends the script
            with context.wrap_socket(raw, server_side=True) as sock, contextlib.suppress(RegistryUnavailable):
                for index, frame in enumerate(frames_to_send):
                    if index:
                        read_frame(sock)
                    write_frame(sock, frame)
                read_frame(sock)

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def client(self) -> EppClient:
        transport = TcpTlsTransport("127.0.0.1", self.port, ca_file=self.cert, timeout=5)
        return EppClient(transport, client_id="regflow", password="short-pw-1", validate_responses=True)

    def close(self) -> None:
        self.listener.close()


def test_a_greeting_that_is_not_epp_means_no_session(tmp_path):
    from registry.epp import ProtocolError

    server = ScriptedServer(tmp_path, [b"<html><body>maintenance</body></html>"])
    try:
        with pytest.raises(ProtocolError, match="does not match the EPP schemas"):
            server.client().connect()
    finally:
        server.close()


def test_an_answer_that_breaks_the_schemas_is_a_protocol_error_and_no_session(tmp_path):
    from datetime import UTC, datetime

    from registry.epp import ProtocolError
    from registry.epp.results import FrameInvalid
    from registry.sandbox import replies

    bad_login_answer = replies.response(1000, cl_trid="x" * 3, sv_trid="S-1").replace(
        b'code="1000"', b'code="1234"'
    )
    server = ScriptedServer(tmp_path, [replies.greeting(datetime.now(UTC)), bad_login_answer])
    try:
        with pytest.raises(RegistryUnavailable, match="no EPP session could be opened") as caught:
            server.client().domain_info("nowak-design.com")
        assert isinstance(caught.value.__cause__, ProtocolError)
        assert not isinstance(caught.value.__cause__, FrameInvalid)
        assert "match the EPP schemas" in str(caught.value)
    finally:
        server.close()
