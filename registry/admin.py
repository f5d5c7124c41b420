"""Configuration by superusers: registrars, the TLDs we serve, domains; registry commands
are shown read-only, since they are what we sent and what the registry answered, and so are
the session slots, which the workers keep themselves."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Domain, Registrar, RegistryCommand, RegistrySessionSlot, Tld


@admin.register(Registrar)
class RegistrarAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "is_us")
    search_fields = ("name", "client_id")


@admin.register(Tld)
class TldAdmin(admin.ModelAdmin):
    list_display = ("__str__", "registry_name", "active")
    list_filter = ("active",)


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("display_name", "name", "sponsor", "registrant", "expires_at", "status_list")
    list_filter = ("tld", "sponsor")
    search_fields = ("name", "registrant__name", "registrant__last_name")
    raw_id_fields = ("registrant",)
    date_hierarchy = "expires_at"

    @admin.display(description=_("EPP statuses"))
    def status_list(self, obj: Domain) -> str:
        return ", ".join(obj.statuses or [])


@admin.register(RegistryCommand)
class RegistryCommandAdmin(admin.ModelAdmin):
    list_display = (
        "sent_at",
        "command",
        "object_name",
        "registrar_client_id",
        "outcome",
        "result_code",
        "cl_trid",
    )
    list_filter = ("outcome", "command", "registrar_client_id")
    search_fields = ("cl_trid", "sv_trid", "object_name")
    date_hierarchy = "sent_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RegistrySessionSlot)
class RegistrySessionSlotAdmin(admin.ModelAdmin):
    list_display = ("registrar_client_id", "slot", "holder", "claimed_at", "heartbeat_at", "wanted_at")
    list_filter = ("registrar_client_id",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
