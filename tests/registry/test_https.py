"""EPP over HTTPS with a session cookie (NASK's way), against the sandbox's real HTTPS door:
the greeting, the cookie from login to logout, sessions the registry forgets, lost answers,
certificates and limits, and the gateway configured for it."""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import time

import pytest

from registry.epp import (
    ClientConfigurationError,
    CommandOutcomeUnknown,
    EppClient,
    RegistryUnavailable,
)
from registry.epp.frames import NASK_FRAMES
from registry.epp.framing import FrameError
from registry.epp.https import HttpsTransport
from registry.epp.responses import parse_greeting, parse_response
from registry.models import RegistryCommand
from registry.sandbox.certs import generate_self_signed
from registry.sandbox.https import COOKIE_NAME, SandboxHttpsServer
from tests.fixtures.sandbox import PASSWORDS

US = "regflow"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def transport_for(door: SandboxHttpsServer, **options) -> HttpsTransport:
    return HttpsTransport(
        door.url, ca_file=door.cert_path, timeout=5.0, hello_frame=NASK_FRAMES.hello(), **options
    )


def logins(door: SandboxHttpsServer, client_id: str = US) -> int:
    return door.commands_handled[(client_id, "login")]


@pytest.fixture
def short_lived_door(sandbox, tmp_path):
    """Another HTTPS door on the same store, forgetting sessions idle for 0.6 s."""
    with SandboxHttpsServer(tmp_path, store=sandbox.store, idle_timeout=0.6) as door:
        yield door


def raw_post(door: SandboxHttpsServer, body: bytes, *, path: str = "/registry/epp", method: str = "POST"):
    context = ssl.create_default_context(cafile=door.cert_path)
    conn = http.client.HTTPSConnection("127.0.0.1", door.port, context=context, timeout=5)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "text/xml"})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------- the session


def test_connect_posts_a_hello_and_the_greeting_is_the_first_frame(sandbox_https):
    hellos = sandbox_https.commands_handled[(None, "hello")]
    transport = transport_for(sandbox_https)
    transport.connect()
    try:
        greeting = parse_greeting(transport.recv_frame())
        assert greeting.server_id == "RegFlow sandbox registry" and greeting.versions == ("1.0",)
        assert sandbox_https.commands_handled[(None, "hello")] == hellos + 1
        assert transport.connected and not transport.peer_closed()
    finally:
        transport.close()
    assert not transport.connected and transport.peer_closed()


def test_login_commands_and_logout_ride_on_the_cookie(sandbox_https, epp_https_client):
    before, sessions = logins(sandbox_https), sandbox_https.session_count
    logouts = sandbox_https.commands_handled[(None, "logout")]  # counted once logged out
    client = epp_https_client()
    assert logins(sandbox_https) == before + 1
    assert sandbox_https.session_count == sessions + 1
    assert list(client.transport._cookies) == [COOKIE_NAME]
    assert client.domain_info("kowalski.pl").data.name == "kowalski.pl"
    assert client.hello().server_id == "RegFlow sandbox registry"  # a hello inside the session too
    assert client.domain_check("kowalski.pl").code == 1000
    assert logins(sandbox_https) == before + 1  # one login carried all three
    client.logout()
    assert sandbox_https.commands_handled[(None, "logout")] == logouts + 1
    assert sandbox_https.session_count == sessions  # the logout ended the cookie's session
    assert not client.logged_in and not client.transport.connected


def test_a_command_without_login_is_refused(sandbox_https):
    refused = sandbox_https.commands_handled[(None, "domain:info")]
    transport = transport_for(sandbox_https)
    transport.connect()
    transport.recv_frame()
    transport.send_frame(NASK_FRAMES.domain_info("kowalski.pl", cl_trid="early-1"))
    response = parse_response(transport.recv_frame())
    transport.close()
    assert response.code == 2002 and response.trid.client == "early-1"
    assert sandbox_https.commands_handled[(None, "domain:info")] == refused + 1


def test_only_the_cookie_makes_the_session(sandbox_https, epp_https_client):
    client = epp_https_client()
    stranger = transport_for(sandbox_https)  # same door, same connection kind, no cookie
    stranger.connect()
    stranger.recv_frame()
    stranger.send_frame(NASK_FRAMES.domain_info("kowalski.pl", cl_trid="no-cookie-1"))
    assert parse_response(stranger.recv_frame()).code == 2002
    stranger.close()
    assert client.domain_info("kowalski.pl").code == 1000


def test_a_cookie_the_registry_does_not_know_is_deleted_in_the_refusal(sandbox_https):
    body = NASK_FRAMES.domain_info("kowalski.pl", cl_trid="forged-1")
    context = ssl.create_default_context(cafile=sandbox_https.cert_path)
    conn = http.client.HTTPSConnection("127.0.0.1", sandbox_https.port, context=context, timeout=5)
    try:
        conn.request("POST", "/registry/epp", body=body, headers={"Cookie": f"{COOKIE_NAME}=made-up"})
        response = conn.getresponse()
        answer = parse_response(response.read())
        set_cookie = response.headers.get_all("Set-Cookie")
    finally:
        conn.close()
    assert answer.code == 2002
    assert set_cookie == [f"{COOKIE_NAME}=; Max-Age=0; Path=/registry; Secure; HttpOnly"]


def test_the_session_cookie_is_secure_httponly_and_scoped_to_the_registry(sandbox_https):
    login = NASK_FRAMES.login(US, PASSWORDS[US], login_security=True, cl_trid="cookie-attrs-1")
    status, headers, body = raw_post(sandbox_https, login)
    assert status == 200 and parse_response(body).code == 1000
    (cookie,) = headers.get_all("Set-Cookie")
    name_value, *attributes = cookie.split("; ")
    assert name_value.startswith(f"{COOKIE_NAME}=") and len(name_value) > len(COOKIE_NAME) + 30
    assert set(attributes) == {"Path=/registry", "Secure", "HttpOnly"}


def test_a_session_the_registry_forgot_when_idle_is_opened_again_unnoticed(
    short_lived_door, epp_https_client
):
    # The registry forgets first: its 2002 deletes the cookie and the client logs in again.
    client = epp_https_client(door=short_lived_door)
    assert client.domain_info("kowalski.pl").code == 1000
    time.sleep(1.0)
    assert client.domain_info("kowalski.pl").code == 1000
    assert logins(short_lived_door) == 2 and client.reconnects == 1
    assert short_lived_door.commands_handled[(None, "domain:info")] == 1  # the one refused


def test_a_client_that_knows_the_idle_timeout_logs_in_again_before_sending(
    short_lived_door, epp_https_client
):
    client = epp_https_client(door=short_lived_door, idle_timeout=0.4)
    assert client.domain_info("kowalski.pl").code == 1000
    time.sleep(1.0)
    assert client.domain_info("kowalski.pl").code == 1000
    assert logins(short_lived_door) == 2 and client.reconnects == 1
    assert short_lived_door.commands_handled[(None, "domain:info")] == 0  # nothing was refused


def test_dropped_sessions_mean_a_new_login_for_the_next_command(sandbox_https, epp_https_client):
    client = epp_https_client()
    before = logins(sandbox_https)
    assert sandbox_https.drop_sessions() >= 1
    assert client.domain_info("kowalski.pl").data.name == "kowalski.pl"
    assert logins(sandbox_https) == before + 1 and client.reconnects == 1


def test_a_closed_connection_is_not_a_lost_session(sandbox_https, epp_https_client):
    client = epp_https_client()
    before = logins(sandbox_https)
    assert sandbox_https.drop_connections() >= 1
    assert client.domain_info("kowalski.pl").code == 1000
    assert logins(sandbox_https) == before and client.reconnects == 0  # same cookie, new connection


# ---------------------------------------------------------------------------- lost answers


def test_a_lost_answer_to_a_transform_is_not_sent_again(sandbox_https, epp_https_client, sandbox_domain):
    domain = sandbox_domain(sponsor="nordhost", tld="pl")
    client = epp_https_client()
    sandbox_https.lose_next_answer(US)
    with pytest.raises(CommandOutcomeUnknown) as caught:
        client.transfer_request(domain.name, domain.authinfo)
    assert caught.value.cl_trid.startswith("regflow-")
    assert len(sandbox_https.store.transfers(domain.name)) == 1  # executed once, never resent
    # and the client goes on (NASK wants the code with the query too)
    assert client.transfer_query(domain.name, domain.authinfo).data.status == "pending"


def test_a_lost_answer_to_a_query_is_fetched_by_asking_again(sandbox_https, epp_https_client):
    client = epp_https_client()
    infos, before = sandbox_https.commands_handled[(US, "domain:info")], logins(sandbox_https)
    sandbox_https.lose_next_answer(US)
    assert client.domain_info("kowalski.pl").data.name == "kowalski.pl"
    assert sandbox_https.commands_handled[(US, "domain:info")] == infos + 2
    assert logins(sandbox_https) == before + 1 and client.reconnects == 1


# ---------------------------------------------------------------------------- failures


def test_a_registry_that_is_down_is_reported_clearly():
    port = free_port()
    url = f"https://127.0.0.1:{port}/registry/epp"
    transport = HttpsTransport(url, ca_file=None, timeout=2, hello_frame=NASK_FRAMES.hello())
    client = EppClient(transport, client_id=US, password="not-sent", dialect=NASK_FRAMES)
    with pytest.raises(RegistryUnavailable) as caught:
        client.domain_info("kowalski.pl")
    assert str(caught.value) == f"the registry at {url} refused the connection (nothing is listening there)"


def test_a_server_certificate_we_do_not_trust_is_refused(sandbox_https, tmp_path):
    other_ca, other_key = tmp_path / "other.pem", tmp_path / "other.key"
    generate_self_signed(other_ca, other_key, common_name="someone else", hosts=["127.0.0.1"])
    hello = NASK_FRAMES.hello()
    transport = HttpsTransport(sandbox_https.url, ca_file=other_ca, timeout=5, hello_frame=hello)
    with pytest.raises(RegistryUnavailable, match="presented a certificate that does not verify"):
        EppClient(transport, client_id=US, password=PASSWORDS[US], dialect=NASK_FRAMES).connect()


def test_the_tcp_doors_certificate_does_not_verify_the_https_door(sandbox, sandbox_https):
    assert sandbox_https.cert_path != sandbox.cert_path
    transport = HttpsTransport(sandbox_https.url, ca_file=sandbox.cert_path, hello_frame=NASK_FRAMES.hello())
    with pytest.raises(RegistryUnavailable, match="certificate"):
        transport.connect()


def test_a_missing_ca_file_is_a_configuration_error(sandbox_https, tmp_path):
    hello = NASK_FRAMES.hello()
    transport = HttpsTransport(sandbox_https.url, ca_file=tmp_path / "absent.pem", hello_frame=hello)
    with pytest.raises(ClientConfigurationError, match="absent.pem"):
        transport.connect()


def test_a_url_that_is_not_https_is_a_configuration_error():
    with pytest.raises(ClientConfigurationError, match="not an https:// URL"):
        HttpsTransport("http://registry.dns.pl/registry/epp", ca_file=None, hello_frame=NASK_FRAMES.hello())


def test_an_http_error_is_unavailability_with_its_status(sandbox_https):
    url = sandbox_https.url.replace("/registry/epp", "/registry/nothing-here")
    transport = HttpsTransport(url, ca_file=sandbox_https.cert_path, hello_frame=NASK_FRAMES.hello())
    with pytest.raises(RegistryUnavailable, match=r"answered HTTP 404 Not Found"):
        transport.connect()
    assert not transport.connected


def test_a_client_certificate_is_presented_when_the_registry_asks_for_one(
    sandbox, tmp_path, epp_https_client
):
    client_cert, client_key = tmp_path / "client.pem", tmp_path / "client.key"
    generate_self_signed(client_cert, client_key, common_name=US, for_client=True)
    with SandboxHttpsServer(tmp_path / "strict", store=sandbox.store, client_ca_file=client_cert) as door:
        with_cert = epp_https_client(door=door, client_cert=client_cert, client_key=client_key)
        assert with_cert.domain_info("kowalski.pl").code == 1000
        assert logins(door) == 1
        with pytest.raises(RegistryUnavailable):
            epp_https_client(door=door)
        assert logins(door) == 1  # the one without a certificate never got as far as a login


def test_an_answer_larger_than_allowed_is_refused(sandbox_https, epp_https_client):
    client = epp_https_client()
    client.transport.max_frame_size = 300  # a domain:info answer is well over that
    with pytest.raises(FrameError, match="larger than the 300 bytes allowed"):
        client.domain_info("kowalski.pl")
    assert not client.transport.connected  # the rest of that answer is never read as the next one


def test_the_door_takes_posts_to_its_path_and_limits_their_size(sandbox, tmp_path):
    with SandboxHttpsServer(tmp_path, store=sandbox.store, max_frame_size=1000) as door:
        assert raw_post(door, NASK_FRAMES.hello())[0] == 200
        assert raw_post(door, NASK_FRAMES.hello(), path="/other")[0] == 404
        status, headers, _ = raw_post(door, b"", method="GET")
        assert (status, headers["Allow"]) == (405, "POST")
        assert raw_post(door, b"<" + b"x" * 2000 + b"/>")[0] == 413
        assert door.commands_handled[(None, "hello")] == 1


def test_neither_password_nor_cookie_reaches_the_logs(sandbox_https, epp_https_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = epp_https_client()
    client.domain_info("kowalski.pl")
    ((token, _),) = client.transport._cookies.values()
    assert PASSWORDS[US] not in caplog.text and token not in caplog.text


# ---------------------------------------------------------------------------- the gateway


@pytest.mark.django_db
def test_the_gateway_reaches_nask_over_https_for_a_pl_domain(registry_settings, sandbox_https):
    from registry.gateway import RegistryGateway

    before = logins(sandbox_https)
    with RegistryGateway.for_domain("kowalski.pl") as gateway:
        assert isinstance(gateway.client.transport, HttpsTransport)
        assert gateway.profile.key == "nask"
        result = gateway.domain_info("kowalski.pl")
    assert result.data.name == "kowalski.pl"
    record = RegistryCommand.objects.get(pk=result.record.pk)
    assert (record.outcome, record.result_code) == (RegistryCommand.Outcome.SUCCESS, 1000)
    assert logins(sandbox_https) == before + 1
