"""Every URL the project serves, enumerated from the resolver, with concrete arguments taken
from real objects (customer A's, where an object belongs to a customer)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import AuditWorld


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", as reverse() takes it
    pattern: str
    params: tuple[str, ...]


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner or namespace)
        elif isinstance(entry, URLPattern):
            if not entry.name and prefix.startswith("admin/"):
                # The admin's catch-all (a 404 for staff, the login for others) has no name.
                continue
            if not entry.name:
                raise AssertionError(f"URL {prefix}{entry.pattern} has no name: the matrix cannot list it")
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            params = tuple(re.compile(f"{prefix}{entry.pattern.regex.pattern}").groupindex)
            yield Route(name=name, pattern=prefix + str(entry.pattern), params=params)


def all_routes() -> list[Route]:
    """Every named route; a name served by several patterns appears once per pattern."""
    return list(_walk(get_resolver().url_patterns))


def sample_values(world: AuditWorld) -> dict[str, Any]:
    return {
        "pk": None,  # chosen per URL name, below
        "token": "no-such-token",
        "app_label": "accounts",
        "object_id": "1",
        "id": "1",
        "content_type_id": "1",
        "url": "no-such-page/",
        "ref": f"transfer-{world.transfer.pk}",
        "kind": "transfer",
    }


def build_url(route: Route, world: AuditWorld, pk_source: str) -> str:
    values = sample_values(world)
    pks = {
        "transfer": world.transfer.pk,
        "cesja": world.cesja.pk,
        "domain": world.domain.pk,
        "registrant": world.registrant.pk,
        "received": world.received.pk,
        "generated": world.generated.pk,
        "event": world.event.pk,
        "customer": world.customer.pk,
        "difference": world.difference.pk if world.difference else 0,
        "registry_message": world.registry_message.pk if world.registry_message else 0,
    }
    kwargs = {}
    for param in route.params:
        kwargs[param] = pks[pk_source] if param == "pk" else values[param]
    return reverse(route.name, kwargs=kwargs)
