"""Configuration by superusers: accounts with their role and team, and registrant profiles."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Registrant, Representative, User
from .services import record_registrant_change, registrant_snapshot


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "phone", "language")}),
        (_("Role in the registrar"), {"fields": ("role", "team")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "role", "team"),
            },
        ),
    )
    list_display = ("username", "first_name", "last_name", "email", "role", "team", "is_active", "is_staff")
    list_filter = ("role", "team", "is_active", "is_staff", "is_superuser", "language")


class RepresentativeInline(admin.TabularInline):
    model = Representative
    extra = 0


@admin.register(Registrant)
class RegistrantAdmin(admin.ModelAdmin):
    list_display = ("display_name", "kind", "nip", "regon", "pesel", "account", "registry_handle")
    list_filter = ("kind", "legal_form")
    search_fields = (
        "name",
        "first_name",
        "last_name",
        "pesel",
        "nip",
        "regon",
        "krs",
        "email",
        "account__username",
    )
    raw_id_fields = ("account",)
    inlines = [RepresentativeInline]
    readonly_fields = ("created_at",)

    def save_model(self, request, obj, form, change) -> None:
        # Kept on the object (the admin instance is shared between requests) until the
        # inlines are saved too, so that one event shows the whole change.
        obj._history_before = registrant_snapshot(Registrant.objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        record_registrant_change(
            form.instance, before=getattr(form.instance, "_history_before", {}), actor=request.user
        )
