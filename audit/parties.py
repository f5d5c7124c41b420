"""The parties an auditor's search names, found in the small tables of profiles and accounts
first; the requests are then taken by key: matching names through a join would read every
request's parties."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value

from accounts.models import Registrant, User

# The keys are read once and sent as values, not matched again for each kind of request and
# each count; a word so common that its keys would not fit in one query is matched by a
# subquery instead.
KEYS_AS_VALUES = {"postgresql": 10_000}
KEYS_AS_VALUES_DEFAULT = 900  # SQLite's limit on a query's parameters leaves room for this


def _keys(queryset: QuerySet) -> list[int] | QuerySet:
    limit = KEYS_AS_VALUES.get(connection.vendor, KEYS_AS_VALUES_DEFAULT)
    keys = list(queryset.values_list("pk", flat=True)[: limit + 1])
    return keys if len(keys) <= limit else queryset.values("pk")


class _AnyOf(Func):
    """``column = ANY(array)``, PostgreSQL's test against an array."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def among(field: str, keys: list[int] | QuerySet) -> Q:
    """``field`` holds one of ``keys``. On PostgreSQL a list goes as one array parameter:
    thousands of separate values cost more to write into the query than to run it."""
    if isinstance(keys, list) and connection.vendor == "postgresql":
        # The list goes to the driver as it is (an int4[]): a field to prepare it would
        # convert each of the thousands of keys again for every query the page runs.
        return Q(_AnyOf(F(field), Value(keys)))
    return Q(**{f"{field}__in": keys})


def _parties(text: str) -> list[int] | QuerySet:
    """Profiles whose names contain every word of ``text``."""
    q = Q()
    for part in text.split():
        q &= Q(first_name__icontains=part) | Q(last_name__icontains=part) | Q(name__icontains=part)
    return _keys(Registrant.objects.filter(q))


def _accounts_named(text: str) -> list[int] | QuerySet:
    """Accounts whose first or last name contains ``text``."""
    return _keys(User.objects.filter(Q(first_name__icontains=text) | Q(last_name__icontains=text)))


@dataclass(frozen=True)
class Parties:
    profiles: list[int] | QuerySet
    accounts: list[int] | QuerySet


def found_parties(text: str) -> Parties:
    """The profiles and the accounts named by ``text``, read once for a whole search."""
    return Parties(profiles=_parties(text), accounts=_accounts_named(text))
