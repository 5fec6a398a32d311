from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "marketdock.outbox"
    label = "outbox"
    verbose_name = _("쇼핑몰 전송")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (periodic delivery)
