from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "marketdock.api"
    label = "api"
    verbose_name = _("오픈 API")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (the nightly housekeeping)
