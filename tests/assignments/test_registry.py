"""The registry down while an approved cesja is carried out: it waits, retries, and does
each thing once."""

from __future__ import annotations

from datetime import timedelta

from assignments.models import Cesja, Reason, Side, State
from assignments.services import approve_cesja, start_cesja, submit_signed_document
from registry.models import RegistryCommand
from workflows.models import Channel, EventType

from .helpers import (
    events,
    process_registry,
    ready_for_approval,
    scan_of_current_form,
    tick_everything,
    wait_state,
)


def test_a_registry_outage_during_execution(
    cesja_world,
    cesja_jobs,
    customer_a,
    registrant_a,
    customer_b,
    registrant_b,
    domains_staff,
    cesja_time_passes,
):
    # .pl domains: NASK (the sandbox's HTTPS door) is the registry that goes away
    sandbox = cesja_world.transfers.sandbox_https
    domains = [cesja_world.domain(registrant_a), cesja_world.domain(registrant_a)]
    cesja = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=domains,
        cedent_registrant=registrant_a,
        cesjonariusz_registrant=registrant_b,
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    from assignments.services import join_cesja

    cesja = join_cesja(cesja=cesja, registrant=registrant_b, actor=customer_b, channel=Channel.WEB)
    submit_signed_document(
        cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_b
    )
    tick_everything(cesja, domains_staff[0])
    contacts, updates = cesja_world.handled("contact:create"), cesja_world.handled("domain:update")

    port = sandbox.port
    sandbox.stop()
    try:
        approve_cesja(cesja=cesja, actor=domains_staff[0], channel=Channel.WEB)
        cesja_jobs.wait_for(lambda: Cesja.objects.get(pk=cesja.pk).registry_tries >= 1)
        waiting = Cesja.objects.get(pk=cesja.pk)
        assert waiting.state == State.EXECUTING and waiting.registry_error and waiting.retry_at
        [delayed] = events(cesja, EventType.CESJA_REGISTRY_DELAYED)
        assert delayed.channel == Channel.SYSTEM and delayed.reason
        assert not waiting.items.filter(done_at__isnull=False).exists()
    finally:
        # The registry comes back where it was.
        sandbox.requested_port = port
        sandbox.start()
        sandbox.requested_port = 0

    if cesja_jobs.mode == "eager":
        cesja_time_passes(timedelta(minutes=15))
        process_registry()
    cesja = wait_state(cesja_jobs, cesja, State.COMPLETED, timeout=90)

    registrant_b.refresh_from_db()
    for domain in domains:
        assert cesja_world.registry_registrant(domain.name) == registrant_b.registry_handle
    assert cesja_world.handled("contact:create") == contacts + 1
    # The registrant changed, then every earlier code unset (RFC 9154), each once.
    cesja_jobs.wait_for(lambda: cesja_world.handled("domain:update") >= updates + 2 + 2)
    assert cesja_world.handled("domain:update") == updates + 2 + 2
    assert RegistryCommand.objects.filter(command="contact:create", outcome="success").count() == 1
    assert events(cesja, EventType.CESJA_REGISTRY_STEP).count() == 3
    assert events(cesja, EventType.CESJA_REGISTRY_DELAYED).count() == 1
    assert cesja.registry_tries == 0 and cesja.registry_error == ""


def test_the_cedents_code_dies_with_the_cesja(
    cesja_world, cesja_jobs, customer_a, registrant_a, organisation_a, domains_staff, epp_https_client
):
    from domains.models import AuthInfoCode
    from domains.services import issue_authinfo
    from registry.epp.results import InvalidAuthInfo

    domain = cesja_world.domain(registrant_a)
    code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    assert cesja_world.sandbox.store.authinfo_matches(domain.name, code)
    cesja = ready_for_approval(domain, customer_a, registrant_a, organisation_a, domains_staff[0])
    approve_cesja(cesja=cesja, actor=domains_staff[0], channel=Channel.WEB)
    wait_state(cesja_jobs, cesja, State.COMPLETED)

    # Void here at once, in the completing step; unset at the registry by what follows it.
    issued = AuthInfoCode.objects.get(domain=domain)
    assert issued.reset_reason == AuthInfoCode.ResetReason.ASSIGNED and not issued.is_valid
    cesja_jobs.wait_for(lambda: not cesja_world.sandbox.store.authinfo_matches(domain.name, code))
    # The previous registrant's code no longer moves the domain away.
    try:
        epp_https_client("webpartner").transfer_request(domain.name, code)
    except InvalidAuthInfo as refused:
        assert refused.code == 2202
    else:
        raise AssertionError("the registry accepted a code issued before the cesja")
