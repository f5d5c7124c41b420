from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    """Forms and reports rendered to PDF, and the scans customers and staff upload."""

    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # History events name a document's kind by its code; the auditor reads its label.
        from workflows.readable import register_detail_values

        from .models import GeneratedDocument, ReceivedDocument

        register_detail_values("kind", GeneratedDocument.Kind.choices)
        register_detail_values("kind", ReceivedDocument.Kind.choices)
        register_detail_values("code_check", ReceivedDocument.CodeCheck.choices)
