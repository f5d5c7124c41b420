"""Requests made the real way (services against the sandbox registry) for the page tests."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core import mail

from accounts.models import Registrant, User
from domains import services as domain_services
from registry.models import Domain
from transfers import services
from transfers.models import State, Transfer
from workflows.models import Channel
from workflows.rounds import run_once

CONFIRM_LINK = re.compile(r"/transfers/confirm/([A-Za-z0-9_-]+)/")


def mailed_token() -> str:
    """The token of the newest confirmation link in the outbox."""
    for message in reversed(mail.outbox):
        found = CONFIRM_LINK.search(message.body)
        if found:
            return found.group(1)
    raise AssertionError("no confirmation link was mailed")


@pytest.fixture
def start_transfer(transfer_world, sandbox_domain) -> Callable[..., Transfer]:
    """An incoming request of ``customer`` for a fresh nordhost domain, started through the
    service as the start page does; its confirmation mail is in the outbox."""

    def start(customer: User, registrant: Registrant | None = None, **domain_options) -> Transfer:
        remote = sandbox_domain(sponsor="nordhost", **domain_options)
        return services.start_incoming_transfer(
            account=customer,
            domain_name=remote.name,
            authinfo=remote.authinfo,
            registrant=registrant,
            actor=customer,
            channel=Channel.WEB,
        )

    return start


@pytest.fixture
def pending_outgoing(transfer_world, epp_client, customer_a, registrant_a) -> Callable[[], Transfer]:
    """A domain of customer A that nordhost has asked the registry for: an outgoing
    transfer pending, opened from the poll message as in production."""

    def make() -> Transfer:
        domain = transfer_world.outgoing_domain(registrant_a)
        code = domain_services.issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
        epp_client("nordhost").transfer_request(domain.name, code)
        run_once()
        transfer = Transfer.objects.get(domain_name=domain.name, direction="outgoing")
        assert transfer.state == State.PENDING
        return transfer

    return make


@pytest.fixture
def our_domain(transfer_world, registrant_a) -> Domain:
    """A domain customer A holds with us, at the sandbox and here."""
    return transfer_world.outgoing_domain(registrant_a)
