"""The customer's lists: the home page shows the first few of each and links to the whole
list, a page at a time, and nobody sees another customer's rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from assignments.models import Cesja
from benchmarks.volume import seed_volume
from portal.views import HOME_LIST_SIZE, REQUEST_PAGE_SIZE
from registry.models import Domain
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reseller(db) -> User:
    """A customer holding every seeded request and domain."""
    report = seed_volume(requests=70, events=140, seed=11, span=timedelta(days=30), largest_share=1.0)
    return User.objects.get(username=report.largest_customer)


def test_home_shows_the_first_few_and_links_to_all(client_for, reseller) -> None:
    response = client_for(reseller).get(reverse("home"))
    context = response.context
    transfers = Transfer.objects.filter(account=reseller).count()
    cesje = Cesja.objects.of_account(reseller).count()
    domains = Domain.objects.of_account(reseller).count()
    assert transfers > HOME_LIST_SIZE and cesje > HOME_LIST_SIZE and domains > HOME_LIST_SIZE
    assert (len(context["transfers"]), context["transfer_count"]) == (HOME_LIST_SIZE, transfers)
    assert (len(context["cesje"]), context["cesja_count"]) == (HOME_LIST_SIZE, cesje)
    assert (len(context["domains"]), context["domain_count"]) == (HOME_LIST_SIZE, domains)
    page = response.content.decode()
    for name in ("my_transfers", "my_cesje", "my_domains"):
        assert f'href="{reverse(name)}"' in page


def test_the_transfer_list_pages_through_every_transfer_open_ones_first(client_for, reseller) -> None:
    client = client_for(reseller)
    seen = []
    page_number = 1
    while True:
        response = client.get(reverse("my_transfers"), {"page": page_number})
        assert response.status_code == 200
        rows = response.context["transfers"]
        assert len(rows) <= REQUEST_PAGE_SIZE
        seen.extend(row.transfer for row in rows)
        if not response.context["page"].has_next():
            break
        page_number += 1
    assert page_number > 1
    assert sorted(t.pk for t in seen) == sorted(
        Transfer.objects.filter(account=reseller).values_list("pk", flat=True)
    )
    openness = [not t.is_open for t in seen]
    assert openness == sorted(openness), "open requests first"


def test_the_cesja_and_domain_lists_hold_only_the_customers_own(client_for, reseller, customer_b) -> None:
    mine = client_for(reseller)
    cesje = mine.get(reverse("my_cesje")).context
    assert cesje["page"].paginator.count == Cesja.objects.of_account(reseller).count()
    domains = mine.get(reverse("my_domains"), {"page": 2}).context
    assert domains["page"].number == 2
    assert domains["page"].paginator.count == Domain.objects.of_account(reseller).count()

    other = client_for(customer_b)
    for name in ("my_transfers", "my_cesje", "my_domains"):
        response = other.get(reverse(name))
        assert response.context["page"].paginator.count == 0
        assert "vol11" not in response.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page(client_for, reseller) -> None:
    response = client_for(reseller).get(reverse("my_transfers"), {"page": 999})
    assert response.status_code == 200
    assert response.context["page"].number == response.context["page"].paginator.num_pages
