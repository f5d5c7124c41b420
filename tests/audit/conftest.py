"""A small real world for the audit tests: a transfer and a cesja of customer A, made
through the services against the sandbox registry, so that each has events, registry
commands, documents and mails as in production."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from accounts.models import Registrant, User
from assignments.models import Cesja
from documents.models import GeneratedDocument, ReceivedDocument
from domains.models import RegistryDifference
from registry.models import Domain
from tests.assignments_ui import conftest as cesja_pages
from tests.transfers_ui import conftest as transfer_pages
from transfers.models import Transfer, UnprocessedPollMessage
from workflows.models import HistoryEvent

# The page tests' ways of making requests, the real way, shared here as fixtures.
start_cesja = cesja_pages.start_cesja
joined_cesja = cesja_pages.joined_cesja
cesja_in_verification = cesja_pages.cesja_in_verification
start_transfer = transfer_pages.start_transfer
our_domain = transfer_pages.our_domain


@dataclass
class AuditWorld:
    transfer: Transfer
    cesja: Cesja
    domain: Domain
    registrant: Registrant
    generated: GeneratedDocument
    received: ReceivedDocument
    event: HistoryEvent
    customer: User
    difference: RegistryDifference | None = None
    registry_message: UnprocessedPollMessage | None = None


@pytest.fixture
def audit_world(
    cesja_world, start_transfer, cesja_in_verification, our_domain, customer_a, registrant_a
) -> AuditWorld:
    transfer = start_transfer(customer_a, registrant_a)
    return AuditWorld(
        transfer=transfer,
        cesja=cesja_in_verification,
        domain=our_domain,
        registrant=registrant_a,
        generated=GeneratedDocument.objects.for_case(cesja_in_verification).first(),
        received=ReceivedDocument.objects.for_case(cesja_in_verification).first(),
        event=HistoryEvent.objects.for_object(transfer).first(),
        customer=customer_a,
        difference=_difference(our_domain),
        registry_message=UnprocessedPollMessage.objects.create(
            registrar_client_id="regflow",
            msg_id="90001",
            stage=UnprocessedPollMessage.Stage.READ,
            error="the resData cannot be read",
        ),
    )


def _difference(domain: Domain) -> RegistryDifference:
    with transaction.atomic():
        return RegistryDifference.open_for(domain, {"statuses": [[], ["serverHold"]]}, found_by="round")
