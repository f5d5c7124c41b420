"""Reading accounts for the pages: a customer's registrant profiles."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Registrant, User


def registrants_of(user: User) -> QuerySet[Registrant]:
    return Registrant.objects.filter(account=user).prefetch_related("representatives").order_by("id")
