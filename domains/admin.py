from __future__ import annotations

from django.contrib import admin

from workflows.admin import ReadOnlyAdmin

from .models import AuthInfoCode


@admin.register(AuthInfoCode)
class AuthInfoCodeAdmin(ReadOnlyAdmin):
    list_display = ["domain", "issued_at", "expires_at", "issued_by", "reset_at", "reset_reason"]
    exclude = ["code_digest"]
