from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    """Cesja: the change of registrant on signed documents."""

    name = "assignments"
    verbose_name = _("Cesja (change of registrant)")
