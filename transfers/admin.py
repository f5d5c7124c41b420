"""Transfers in the Django admin: policies are edited by adding versions; everything with a
bearing on history is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Max

from workflows.admin import ReadOnlyAdmin, VersionedPolicyAdmin

from .models import (
    AuthInfoAttempt,
    ConfirmationToken,
    PollMessage,
    Transfer,
    TransferPolicy,
    UnprocessedPollMessage,
)


@admin.register(TransferPolicy)
class TransferPolicyAdmin(VersionedPolicyAdmin):
    list_display = ["tld", "version", "valid_from", "authinfo_validity", "transfer_lock", "pending_window"]
    list_filter = ["tld"]

    def next_version(self, obj: TransferPolicy) -> int:
        return (TransferPolicy.objects.filter(tld=obj.tld).aggregate(v=Max("version"))["v"] or 0) + 1


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


@admin.register(PollMessage)
class PollMessageAdmin(ReadOnlyAdmin):
    list_display = ["registrar_client_id", "msg_id", "text", "received_at", "applied_at", "acked_at"]


@admin.register(UnprocessedPollMessage)
class UnprocessedPollMessageAdmin(ReadOnlyAdmin):
    list_display = ["registrar_client_id", "msg_id", "stage", "received_at", "acked_at", "handled_at"]
    list_filter = ["stage"]
