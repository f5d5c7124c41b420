"""The history log in the admin: readable with filters, never added to, changed or deleted."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import EventType, HistoryEvent, TaskDeadline, event_label


class ReadOnlyAdmin(admin.ModelAdmin):
    """What has a bearing on history: shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VersionedPolicyAdmin(admin.ModelAdmin):
    """A version in use is never changed: staff add the next version instead, numbered by
    ``next_version``."""

    readonly_fields = ["version", "created_at"]

    def next_version(self, obj) -> int:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.version = self.next_version(obj)
        super().save_model(request, obj, form, change)


class EventTypeFilter(admin.SimpleListFilter):
    """The catalogue's event types by their labels (the column itself has no choices)."""

    title = _("event")
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        return EventType.choices

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(HistoryEvent)
class HistoryEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "event", "actor_label", "channel", "domain_name", "summary")
    list_filter = (EventTypeFilter, "channel", "occurred_at")
    search_fields = ("domain_name", "actor_label", "summary", "hash")
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in HistoryEvent._meta.fields]

    @admin.display(description=_("event"), ordering="event_type")
    def event(self, obj: HistoryEvent) -> str:
        return event_label(obj.event_type)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TaskDeadline)
class TaskDeadlineAdmin(admin.ModelAdmin):
    """Deadlines of the human tasks: how long each kind may wait, and how early staff are warned."""

    list_display = ("flow_task", "label", "hours", "warning_before")
    list_editable = ("hours", "warning_before")
    search_fields = ("flow_task", "label")
