"""Transfers in the Django admin: policies are edited by adding versions; everything with a
bearing on history is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Max

from .models import AuthInfoAttempt, AuthInfoCode, ConfirmationToken, PollMessage, Transfer, TransferPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TransferPolicy)
class TransferPolicyAdmin(admin.ModelAdmin):
    """A version in use is never changed: staff add the next version instead."""

    list_display = ["tld", "version", "valid_from", "authinfo_validity", "transfer_lock", "pending_window"]
    list_filter = ["tld"]
    readonly_fields = ["version", "created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            latest = TransferPolicy.objects.filter(tld=obj.tld).aggregate(v=Max("version"))["v"] or 0
            obj.version = latest + 1
        super().save_model(request, obj, form, change)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["domain_name", "direction", "state", "account", "other_registrar", "created_at"]
    list_filter = ["direction", "state", "tld"]
    search_fields = ["domain_name", "account__username"]
    exclude = ["authinfo_sealed", "authinfo_digest"]


@admin.register(ConfirmationToken)
class ConfirmationTokenAdmin(ReadOnlyAdmin):
    list_display = ["transfer", "email", "created_at", "expires_at", "used_at"]
    exclude = ["token_digest"]


@admin.register(AuthInfoAttempt)
class AuthInfoAttemptAdmin(ReadOnlyAdmin):
    list_display = ["domain_name", "account", "outcome", "attempted_at"]
    list_filter = ["outcome"]
    exclude = ["code_digest"]


@admin.register(AuthInfoCode)
class AuthInfoCodeAdmin(ReadOnlyAdmin):
    list_display = ["domain", "issued_at", "expires_at", "issued_by", "reset_at", "reset_reason"]
    exclude = ["code_digest"]


@admin.register(PollMessage)
class PollMessageAdmin(ReadOnlyAdmin):
    list_display = ["registrar_client_id", "msg_id", "text", "received_at", "applied_at", "acked_at"]
