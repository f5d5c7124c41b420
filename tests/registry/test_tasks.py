"""The sync_domain job against the sandbox."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from registry.epp import RegistryUnavailable
from registry.models import Domain, Registrar, RegistryCommand, Tld
from registry.tasks import RETRY_CAP_SECONDS, retry_delay, sync_domain
from workflows.models import EventType, HistoryEvent


@pytest.fixture
def stale_domain(sandbox_domain) -> Domain:
    """Our row for a domain the registry knows better: wrong sponsor, no dates, no statuses.
    (The test chooses how the database is set up.)"""
    remote = sandbox_domain(sponsor="regflow", statuses=("clientTransferProhibited",))
    tld, _ = Tld.objects.get_or_create(name="pl", defaults={"registry_name": "NASK"})
    Registrar.objects.get_or_create(client_id="regflow", defaults={"name": "RegFlow", "is_us": True})
    nordhost, _ = Registrar.objects.get_or_create(client_id="nordhost", defaults={"name": "NordHost"})
    return Domain.objects.create(name=remote.name, tld=tld, sponsor=nordhost)


def synced_events(domain: Domain):
    return HistoryEvent.objects.filter(event_type=EventType.DOMAIN_SYNCED, domain_name=domain.name)


def test_sync_brings_the_row_in_line_and_writes_one_event(registry_settings, background_jobs, stale_domain):
    sync_domain.delay(stale_domain.name)  # in-process, or on a real worker when a broker is set
    background_jobs.wait_for(lambda: synced_events(stale_domain).exists())

    stale_domain.refresh_from_db()
    now = datetime.now(UTC)
    assert stale_domain.sponsor.client_id == "regflow"
    assert stale_domain.statuses == ["clientTransferProhibited"]
    assert abs(stale_domain.created_at - (now - timedelta(days=400))) < timedelta(minutes=5)
    assert abs(stale_domain.expires_at - (now + timedelta(days=200))) < timedelta(minutes=5)
    assert stale_domain.registry_roid.endswith("-SBX") and stale_domain.synced_at is not None
    [event] = synced_events(stale_domain)
    assert event.channel == "system" and event.subject_id == str(stale_domain.pk)
    assert event.changes["sponsor"] == ["nordhost", "regflow"]
    assert set(event.changes) == {"sponsor", "statuses", "registry_roid", "created_at", "expires_at"}

    # nothing changed since: no second event
    assert sync_domain.apply(args=[stale_domain.name]).get() == "unchanged"
    assert synced_events(stale_domain).count() == 1


@pytest.mark.django_db
def test_sync_of_a_domain_we_do_not_keep(registry_settings):
    assert sync_domain.apply(args=["nie-nasza-7q.pl"]).get() == "unknown"
    assert not RegistryCommand.objects.exists()


@pytest.mark.django_db
def test_in_process_the_caller_hears_at_once_that_the_registry_is_down(
    registry_settings, settings, stale_domain
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.REGISTRY = {**registry_settings, "PORT": sock.getsockname()[1]}
    with pytest.raises(RegistryUnavailable, match="refused the connection"):
        sync_domain.apply(args=[stale_domain.name])
    [attempt] = RegistryCommand.objects.filter(object_name=stale_domain.name)
    assert attempt.outcome == RegistryCommand.Outcome.FAILED
    assert not synced_events(stale_domain).exists()


def test_a_worker_backs_off_exponentially_up_to_a_cap():
    ceilings = [max(retry_delay(n) for _ in range(200)) for n in range(10)]
    floors = [min(retry_delay(n) for _ in range(200)) for n in range(10)]
    assert floors[0] >= 2.5 and ceilings[0] <= 5
    assert all(later > earlier for earlier, later in zip(ceilings[:6], ceilings[1:7], strict=True))
    assert max(ceilings) <= RETRY_CAP_SECONDS and floors[-1] >= RETRY_CAP_SECONDS / 2


def test_the_job_is_acknowledged_late():
    assert sync_domain.acks_late is True and sync_domain.max_retries == 8
