"""The Django side: every command recorded before it is sent, outcomes and svTRIDs stored,
history events for transforms, and a retried business operation never done twice."""

from __future__ import annotations

import logging
import socket

import pytest
from django.db import connections, transaction
from django.utils import translation

from registry.epp import CommandOutcomeUnknown, InvalidAuthInfo, LoginRefused, RegistryUnavailable
from registry.gateway import RegistryGateway
from registry.messages import message_for
from registry.models import RegistryCommand
from workflows.models import Channel, EventType, HistoryEvent

Outcome = RegistryCommand.Outcome
CANARY = "Canary-Secret-7f3e9a"


@pytest.fixture
def gateway(registry_gateway):
    return registry_gateway


@pytest.fixture
def actor(django_user_model):
    return django_user_model.objects.create_user(username="bok-domeny", password="x")


def registry_events(name: str):
    return HistoryEvent.objects.filter(event_type=EventType.REGISTRY_COMMAND, domain_name=name)


@pytest.mark.django_db
def test_a_query_is_recorded_with_both_transaction_ids(gateway):
    result = gateway.domain_info("nowak-design.com")
    record = RegistryCommand.objects.get(pk=result.record.pk)
    assert record.cl_trid.startswith("regflow-") and record.cl_trid == result.response.trid.client
    assert record.sv_trid.startswith("SBX-") and record.sv_trid == result.response.trid.server
    assert (record.command, record.object_name, record.registrar_client_id) == (
        "domain:info",
        "nowak-design.com",
        "regflow",
    )
    assert (record.outcome, record.result_code, record.attempts) == (Outcome.SUCCESS, 1000, 1)
    assert record.answered_at is not None
    assert not registry_events("nowak-design.com").exists()  # queries change nothing: no history


@pytest.mark.django_db
def test_a_refused_transform_is_recorded_and_written_to_the_history(gateway, sandbox_domain, actor):
    domain = sandbox_domain()
    with pytest.raises(InvalidAuthInfo):
        gateway.transfer_request(domain.name, CANARY, actor=actor, channel=Channel.PHONE)
    record = RegistryCommand.objects.get(object_name=domain.name)
    assert (record.outcome, record.result_code, record.actor) == (Outcome.ERROR, 2202, actor)
    assert record.sv_trid.startswith("SBX-")
    [event] = registry_events(domain.name)
    assert (event.actor, event.channel) == (actor, Channel.PHONE)
    assert event.data["cl_trid"] == record.cl_trid
    assert event.data["sv_trid"] == record.sv_trid
    assert event.data["code"] == 2202
    assert CANARY not in record.message + event.summary + str(event.data)


@pytest.mark.django_db
def test_a_transform_without_an_actor_comes_through_the_system_channel(gateway, sandbox_domain):
    domain = sandbox_domain()
    result = gateway.transfer_request(domain.name, domain.authinfo)
    assert result.response.code == 1001 and result.data.status == "pending"
    [event] = registry_events(domain.name)
    assert event.actor is None and event.channel == Channel.SYSTEM
    assert event.data["code"] == 1001 and event.data["sv_trid"] == result.response.trid.server


@pytest.mark.django_db
def test_the_idempotency_key_prevents_a_second_transfer_request(gateway, sandbox, sandbox_domain):
    domain = sandbox_domain()
    key = f"transfer-request:{domain.name}:case-17"
    first = gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    sent = sandbox.commands_handled[("regflow", "domain:transfer:request")]

    again = gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)

    assert again.replayed and again.record.pk == first.record.pk
    assert sandbox.commands_handled[("regflow", "domain:transfer:request")] == sent  # nothing sent
    assert len(sandbox.store.transfers(domain.name)) == 1
    assert RegistryCommand.objects.filter(idempotency_key=key).count() == 1


@pytest.mark.django_db
def test_a_lost_answer_is_looked_up_at_the_registry_before_anything_is_resent(
    gateway, sandbox, sandbox_domain
):
    domain = sandbox_domain()
    key = f"transfer-request:{domain.name}:case-18"
    sandbox.lose_next_answer("regflow")
    with pytest.raises(CommandOutcomeUnknown):
        gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    record = RegistryCommand.objects.get(idempotency_key=key)
    assert record.outcome == Outcome.UNKNOWN and record.sv_trid == ""
    requests = sandbox.commands_handled[("regflow", "domain:transfer:request")]
    queries = sandbox.commands_handled[("regflow", "domain:transfer:query")]

    retried = gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)

    assert retried.replayed
    assert sandbox.commands_handled[("regflow", "domain:transfer:request")] == requests
    assert sandbox.commands_handled[("regflow", "domain:transfer:query")] == queries + 1
    assert len(sandbox.store.transfers(domain.name)) == 1
    record.refresh_from_db()
    assert record.outcome == Outcome.SUCCESS
    assert [e.data["outcome"] for e in registry_events(domain.name)] == ["unknown", "success"]
    probe = RegistryCommand.objects.get(command="domain:transfer:query", object_name=domain.name)
    assert probe.outcome == Outcome.SUCCESS and probe.sv_trid  # the look-up is on the record too


@pytest.mark.django_db
def test_a_command_that_never_left_is_sent_on_retry_under_the_same_trid(
    registry_settings, settings, sandbox, sandbox_domain
):
    domain = sandbox_domain()
    key = f"transfer-request:{domain.name}:case-19"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    with (
        RegistryGateway.from_settings({**registry_settings, "PORT": dead_port}) as down,
        pytest.raises(RegistryUnavailable),
    ):
        down.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    failed = RegistryCommand.objects.get(idempotency_key=key)
    assert failed.outcome == Outcome.FAILED and "refused the connection" in failed.message

    with RegistryGateway.from_settings() as up:
        result = up.transfer_request(domain.name, domain.authinfo, idempotency_key=key)

    assert not result.replayed and result.response.code == 1001
    assert result.record.pk == failed.pk and result.record.cl_trid == failed.cl_trid
    assert result.response.trid.client == failed.cl_trid
    assert result.record.attempts == 2 and result.record.outcome == Outcome.SUCCESS


@pytest.mark.django_db
def test_a_failed_login_is_not_taken_for_the_registrys_answer(registry_settings, sandbox_domain):
    domain = sandbox_domain()
    key = f"transfer-request:{domain.name}:case-22"
    with (
        RegistryGateway.from_settings({**registry_settings, "PASSWORD": "wrong-password-1"}) as locked_out,
        pytest.raises(LoginRefused),
    ):
        locked_out.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    record = RegistryCommand.objects.get(idempotency_key=key)
    assert record.outcome == Outcome.FAILED and record.result_code is None

    with RegistryGateway.from_settings() as gateway:
        assert (
            gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key).response.code == 1001
        )


@pytest.mark.django_db
def test_a_refusal_is_returned_again_without_asking_again(gateway, sandbox, sandbox_domain):
    domain = sandbox_domain()
    key = f"transfer-request:{domain.name}:case-20"
    with pytest.raises(InvalidAuthInfo):
        gateway.transfer_request(domain.name, "Wrong-Code-123", idempotency_key=key)
    sent = sandbox.commands_handled[("regflow", "domain:transfer:request")]
    with pytest.raises(InvalidAuthInfo) as again:
        gateway.transfer_request(domain.name, "Wrong-Code-123", idempotency_key=key)
    assert sandbox.commands_handled[("regflow", "domain:transfer:request")] == sent
    assert str(again.value) == "2202 Invalid authorization information (the authInfo does not match)"


@pytest.mark.django_db
def test_an_idempotency_key_belongs_to_one_command(gateway, sandbox_domain):
    domain = sandbox_domain()
    gateway.domain_info("nowak-design.com", idempotency_key="case-21")
    with pytest.raises(ValueError, match="already used for domain:info nowak-design.com"):
        gateway.transfer_request(domain.name, domain.authinfo, idempotency_key="case-21")


@pytest.mark.django_db(transaction=True)
def test_the_record_is_committed_before_the_registry_sees_the_command(gateway, sandbox):
    seen = {}

    def look(client_id, command, cl_trid):
        # runs in the sandbox's thread, on a database connection of its own
        try:
            seen[cl_trid] = list(
                RegistryCommand.objects.filter(cl_trid=cl_trid).values_list("outcome", flat=True)
            )
        finally:
            connections.close_all()

    sandbox.command_observer = look
    try:
        result = gateway.domain_info("nowak-design.com")
    finally:
        sandbox.command_observer = None
    assert seen[result.record.cl_trid] == [Outcome.PENDING]


@pytest.mark.django_db(transaction=True)
def test_the_gateway_refuses_to_run_inside_a_transaction(gateway):
    with pytest.raises(RuntimeError), transaction.atomic():
        gateway.domain_info("nowak-design.com")
    assert not RegistryCommand.objects.exists()


@pytest.mark.django_db
def test_no_secret_reaches_the_frame_log_the_records_or_the_logs(
    registry_settings, settings, tmp_path, caplog, sandbox_domain, epp_client, sandbox_registrar
):
    log_path = tmp_path / "frames.log"
    settings.REGISTRY = {**registry_settings, "FRAME_LOG": str(log_path)}
    ours, theirs = sandbox_domain(sponsor="regflow"), sandbox_domain()
    caplog.set_level(logging.DEBUG)
    with RegistryGateway.from_settings() as gateway:
        with pytest.raises(InvalidAuthInfo) as caught:
            gateway.transfer_request(theirs.name, CANARY)
        gateway.update_domain(ours.name, authinfo=CANARY + "-new")
        gateway.domain_info(theirs.name, theirs.authinfo)
        registrar = sandbox_registrar()
        client = epp_client(registrar.client_id, registrar.password, frame_log=gateway.client.frame_log)
        client.change_password(CANARY + "-long-login-password")

    text = log_path.read_text()
    assert "domain:transfer" in text and "domain:chg" in text and "<newPW>" in text
    assert text.count("[redacted]") >= 6
    for secret in (CANARY, theirs.authinfo, "sandbox-regflow-pw", registrar.password):
        assert secret not in text
        assert secret not in caplog.text
        assert secret not in str(caught.value)
        for record in RegistryCommand.objects.all():
            assert secret not in record.message
        for event in HistoryEvent.objects.all():
            assert secret not in event.summary + str(event.data) + str(event.changes)


def test_every_outcome_has_a_message_for_people():
    from registry.epp import results

    with translation.override("en"):
        assert str(message_for(InvalidAuthInfo())).startswith("The transfer code (authinfo) is not correct.")
        assert str(message_for(2304)).startswith("The domain's current status does not allow this")
        generic = str(message_for(results.RegistryError()))
        for code, error_class in results.ERRORS_BY_CODE.items():
            assert str(message_for(code)) != generic, code
            assert message_for(error_class()) == message_for(code)
        assert "again in a few minutes" in str(message_for(RegistryUnavailable("x")))
        assert "check what happened" in str(message_for(CommandOutcomeUnknown("x", cl_trid="t-1")))
    with pytest.raises(ValueError):
        message_for(1000)
