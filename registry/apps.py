from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from celery.signals import worker_process_shutdown, worker_shutdown

        from .sessions import close_pools

        # A prefork child leaves with os._exit, past atexit: log its sessions out here.
        def log_out(**kwargs) -> None:
            close_pools()

        worker_process_shutdown.connect(log_out, weak=False)
        worker_shutdown.connect(log_out, weak=False)
