from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SaasConfig(AppConfig):
    name = "marketdock.saas"
    label = "saas"
    verbose_name = _("서비스 운영")

    def ready(self) -> None:
        from marketdock.core.dashboard import register_panel
        from marketdock.core.usage import register_limit_source

        from . import tasks  # noqa: F401 - the nightly jobs
        from .panels import usage_panel
        from .plans import limit_source
        from .services.listeners import register

        register()
        register_limit_source(limit_source)
        register_panel(usage_panel)
