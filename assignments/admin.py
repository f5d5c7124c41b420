"""Cesje in the Django admin: policies are edited by adding versions, disputes are recorded
and closed here; everything with a bearing on history is read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Max

from workflows.admin import ReadOnlyAdmin, VersionedPolicyAdmin

from .models import Approval, Cesja, CesjaDomain, CesjaInvitation, CesjaPolicy, ChecklistTick, DomainDispute


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class CesjaDomainInline(ReadOnlyInline):
    model = CesjaDomain
    fields = ["domain_name", "active", "cl_trid", "sv_trid", "done_at"]


class ChecklistTickInline(ReadOnlyInline):
    model = ChecklistTick
    fields = ["round", "item", "checked", "ticked_by", "ticked_at", "note"]


class ApprovalInline(ReadOnlyInline):
    model = Approval
    fields = ["round", "approved_by", "approved_at", "note"]


@admin.register(CesjaPolicy)
class CesjaPolicyAdmin(VersionedPolicyAdmin):
    list_display = ["version", "valid_from", "documents_period", "reminder_days", "verification_period"]

    def next_version(self, obj: CesjaPolicy) -> int:
        return (CesjaPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1


@admin.register(Cesja)
class CesjaAdmin(ReadOnlyAdmin):
    list_display = ["number", "state", "cedent", "cesjonariusz", "reason", "documents_deadline", "created_at"]
    list_filter = ["state", "reason"]
    search_fields = ["number", "items__domain_name", "invited_email"]
    exclude = ["form_digest"]
    inlines = [CesjaDomainInline, ChecklistTickInline, ApprovalInline]


@admin.register(CesjaInvitation)
class CesjaInvitationAdmin(ReadOnlyAdmin):
    list_display = ["cesja", "side", "email", "created_at", "expires_at", "used_at"]
    exclude = ["token_digest"]


@admin.register(DomainDispute)
class DomainDisputeAdmin(admin.ModelAdmin):
    """Opened and closed here; never deleted, since a cesja may have been refused over it."""

    list_display = ["domain", "reference", "opened_at", "closed_at"]
    list_filter = ["closed_at"]
    search_fields = ["domain__name", "reference"]
    autocomplete_fields = []
    raw_id_fields = ["domain"]
    readonly_fields = ["opened_by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.opened_by = request.user
        super().save_model(request, obj, form, change)
