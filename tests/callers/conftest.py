"""Customers who log in for real (so the login issues their code) and staff who verify them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from callers.models import CallerSession
from tests.fixtures.people import PASSWORD
from workflows.models import Channel

CODE_ON_PAGE = re.compile(r'class="mono js-caller-code">(\d{4}-\d{4})<')


def code_on_home(client: Client) -> str:
    """The code as the customer's panel shows it, digits only."""
    found = CODE_ON_PAGE.search(client.get(reverse("home")).content.decode())
    assert found, "the panel shows no authorisation code"
    return found.group(1).replace("-", "")


@pytest.fixture
def customer_login(db) -> Callable[[User], tuple[Client, str]]:
    """Log the customer in through the login page; returns their client and the code it shows."""

    def login(customer: User) -> tuple[Client, str]:
        client = Client()
        response = client.post(reverse("login"), {"username": customer.username, "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return client, code_on_home(client)

    return login


@pytest.fixture
def verified(client_for) -> Callable[..., Client]:
    """A staff client that has verified ``customer`` with ``code`` on ``channel``."""

    def verify(staff: User, customer: User, code: str, channel: str = Channel.PHONE) -> Client:
        client = client_for(staff)
        response = client.post(
            reverse("callers:verify", args=[customer.pk]), {"code": code, "channel": channel}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert CallerSession.objects.filter(staff=staff, customer=customer).exists()
        return client

    return verify
