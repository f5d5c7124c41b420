from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The shell people use: the home page of each role, the customer's lists, navigation."""

    name = "portal"
    verbose_name = _("Portal")
