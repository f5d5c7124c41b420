"""The domains and the requests on them: incoming and outgoing transfers and cesje, spread
over the period with the open ones in its last days, in the states the services would have
left them, and the registrars and policies they refer to."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from accounts.models import Registrant, User
from assignments.models import Cesja, CesjaDomain
from assignments.models import Reason as CesjaReason
from assignments.models import Side as CesjaSide
from assignments.models import State as CesjaState
from assignments.policy import CesjaPolicy
from registry.models import Domain, Registrar, Tld
from transfers.models import Direction, Transfer
from transfers.models import State as TransferState
from transfers.policy import TransferPolicy

from .common import BATCH, OPEN_WINDOW, PREFIX, WORDS, PlannedRequest, VolumeReport, bulk


def seed_requests(
    run: str,
    requests: int,
    *,
    customers: list[User],
    registrants: list[Registrant],
    now: datetime,
    span: timedelta,
    largest_share: float,
    rng: random.Random,
    report: VolumeReport,
    say: Callable[[str], None],
) -> list[PlannedRequest]:
    """One domain for each request and the request on it, owned by a customer: the largest
    one (a reseller) for ``largest_share`` of them. Returns the requests as planned."""
    pl = Tld.objects.get_or_create(name="pl", defaults={"registry_name": "NASK"})[0]
    us = Registrar.objects.filter(is_us=True).first() or Registrar.objects.create(
        name="RegFlow", client_id="regflow", is_us=True
    )
    others = [
        Registrar.objects.get_or_create(
            client_id=f"{PREFIX}-rar{index}", defaults={"name": f"Registrar {index}"}
        )[0]
        for index in range(6)
    ]
    transfer_policy = TransferPolicy.current_for(pl)
    cesja_policy = CesjaPolicy.current()

    # Who asks for each request: the reseller for a share, the rest spread evenly.
    largest = customers[0]
    owners = [
        largest if rng.random() < largest_share else customers[rng.randrange(1, len(customers))]
        for _ in range(requests)
    ]
    registrant_of = {registrant.account_id: registrant for registrant in registrants}
    report.largest_customer = largest.username
    report.typical_customer = customers[1].username

    say("domains")
    kinds = rng.choices(["in", "out", "cesja"], weights=[60, 20, 20], k=requests)
    domains = bulk(
        Domain,
        [
            Domain(
                name=f"{rng.choice(WORDS)}-{run}-{index}.pl",
                tld=pl,
                sponsor=rng.choice(others) if kinds[index] == "in" else us,
                registrant=registrant_of[owners[index].pk],
                statuses=["ok"],
                created_at=now - timedelta(days=rng.randint(800, 5000)),
                expires_at=now + timedelta(days=rng.randint(1, 365)),
            )
            for index in range(requests)
        ],
    )
    report.domains = len(domains)

    say("requests")
    plan = []
    for index in range(requests):
        created = now - span * (rng.random() ** 0.8)
        recent = now - created < OPEN_WINDOW
        closed = not recent or rng.random() < 0.35
        days = rng.lognormvariate(1.4, 0.6) if kinds[index] != "cesja" else rng.lognormvariate(2.0, 0.5)
        end = min(created + timedelta(days=days), now) if closed else now
        if closed and end >= now:
            end = now - timedelta(minutes=rng.randint(1, 600))
            created = min(created, end - timedelta(minutes=30))
        plan.append((kinds[index], created, end, closed))

    transfers, cesje = [], []
    for index, (kind, created, end, closed) in enumerate(plan):
        domain, customer = domains[index], owners[index]
        if kind == "cesja":
            state = (
                rng.choices(
                    [CesjaState.COMPLETED, CesjaState.REJECTED, CesjaState.CANCELLED, CesjaState.EXPIRED],
                    weights=[80, 5, 8, 7],
                )[0]
                if closed
                else rng.choice(
                    [
                        CesjaState.AWAITING_DOCUMENTS,
                        CesjaState.IN_VERIFICATION,
                        CesjaState.IN_VERIFICATION,
                        CesjaState.AWAITING_SECOND_APPROVAL,
                    ]
                )
            )
            other = customers[rng.randrange(1, len(customers))]
            cesje.append(
                Cesja(
                    cedent=registrant_of[customer.pk],
                    cesjonariusz=registrant_of[other.pk],
                    cedent_account=customer,
                    cesjonariusz_account=other,
                    initiated_by=CesjaSide.CEDENT,
                    cedent_joined_at=created,
                    cesjonariusz_joined_at=created + timedelta(hours=2),
                    reason=rng.choice(CesjaReason.values),
                    policy=cesja_policy,
                    state=state,
                    created_at=created,
                    documents_deadline=created + cesja_policy.documents_period,
                    resolved_at=end if closed else None,
                )
            )
        else:
            state = (
                rng.choices(
                    [
                        TransferState.COMPLETED,
                        TransferState.REJECTED,
                        TransferState.CANCELLED,
                        TransferState.EXPIRED,
                        TransferState.FAILED,
                    ],
                    weights=[82, 5, 7, 4, 2],
                )[0]
                if closed
                else (
                    rng.choice(
                        [TransferState.REVIEW, TransferState.AWAITING_CONFIRMATION, TransferState.PENDING]
                    )
                    if kind == "in"
                    else TransferState.PENDING
                )
            )
            transfers.append(
                Transfer(
                    direction=Direction.INCOMING if kind == "in" else Direction.OUTGOING,
                    domain_name=domain.name,
                    tld=pl,
                    domain=domain,
                    account=customer,
                    registrant=domain.registrant,
                    other_registrar=domain.sponsor if kind == "in" else rng.choice(others),
                    policy=transfer_policy,
                    state=state,
                    created_at=created,
                    resolved_at=end if closed else None,
                    review_required=kind == "in" and state == TransferState.REVIEW,
                    confirmation_email=customer.email,
                )
            )
    transfers = iter(bulk(Transfer, transfers))
    cesje = iter(bulk(Cesja, cesje))
    items, numbered = [], []
    planned: list[PlannedRequest] = []
    for index, (kind, created, end, closed) in enumerate(plan):
        obj = next(cesje) if kind == "cesja" else next(transfers)
        planned.append(
            PlannedRequest(
                kind=kind,
                obj=obj,
                created=created,
                end=end,
                closed=closed,
                customer=owners[index],
                domain=domains[index],
                domain_name=domains[index].name,
            )
        )
        if kind == "cesja":
            obj.number = f"CES/{created.year}/{obj.pk:06d}"
            numbered.append(obj)
            items.append(
                CesjaDomain(
                    cesja=obj, domain=domains[index], domain_name=domains[index].name, active=not closed
                )
            )
    Cesja.objects.bulk_update(numbered, ["number"], batch_size=BATCH)
    bulk(CesjaDomain, items)
    report.transfers = sum(1 for request in planned if request.kind != "cesja")
    report.cesje = len(numbered)
    return planned
