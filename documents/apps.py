from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Forms and reports rendered to PDF, and the scans customers and staff upload."""

    name = "documents"
    verbose_name = _("Documents")
