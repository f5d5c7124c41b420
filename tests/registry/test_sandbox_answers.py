"""Every kind of answer the sandbox gives is valid against the EPP schemas. (The clients the
other tests use check every answer too; this one looks at the raw frames of a whole session.)"""

from __future__ import annotations

from registry.epp import TcpTlsTransport, frames
from registry.epp.data import ContactData
from registry.epp.responses import parse_response
from registry.epp.schema import frame_errors


def test_a_whole_session_of_answers_is_schema_valid(sandbox, sandbox_domain, sandbox_registrar):
    losing = sandbox_registrar()
    domain = sandbox_domain(sponsor=losing.client_id, tld="com")
    fresh = sandbox_domain(sponsor=losing.client_id, tld="com", created_days_ago=2)  # .com: 60-day lock
    transport = TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=sandbox.cert_path, timeout=5)
    transport.connect()
    answers = [transport.recv_frame()]
    codes = []

    def send(build, *args, **kwargs) -> None:
        transport.send_frame(build(*args, cl_trid=f"valid-{len(answers)}", **kwargs))
        answers.append(transport.recv_frame())
        codes.append(parse_response(answers[-1]).code)

    send(frames.login, "regflow", "sandbox-regflow-pw", login_security=True)
    transport.send_frame(frames.hello())
    answers.append(transport.recv_frame())
    send(frames.domain_check, ["nowak-design.com", "free-7q.com", "x.org"])
    send(frames.domain_info, "nowak-design.com")
    send(frames.domain_info, domain.name)
    send(frames.domain_info, "nie-ma-7q.com")
    send(frames.domain_transfer, "request", domain.name, authinfo="Wrong-Code-1")
    send(frames.domain_transfer, "request", fresh.name, authinfo=fresh.authinfo)
    send(frames.domain_transfer, "request", domain.name, authinfo=domain.authinfo)
    send(frames.domain_transfer, "query", domain.name)
    send(frames.domain_transfer, "cancel", domain.name)
    send(frames.domain_update, "nowak-design.com", add_statuses=["serverHold"])
    contact = ContactData("K-VALID-1", "Jan Test", "Kraków", "PL", "jan@example.pl", street=("ul. Długa 1",))
    send(frames.contact_create, contact, "Contact-Code-1")
    send(frames.contact_create, contact, "Contact-Code-1")
    send(frames.contact_info, "K-VALID-1")
    send(frames.contact_info, "C-JKOWALSKI")
    send(frames.poll_request)
    send(frames.poll_ack, "999999999")
    send(frames.logout)
    transport.close()

    assert codes == [
        1000, 1000, 1000, 1000, 2303, 2202, 2304, 1001, 1000, 1000, 2306,
        1000, 2302, 1000, 1000, 1301, 2303, 1500,
    ]  # fmt: skip
    for answer in answers:
        assert frame_errors(answer) == [], answer.decode()
