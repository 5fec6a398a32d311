from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "marketdock.core"
    label = "core"
    verbose_name = _("기본")

    def ready(self) -> None:
        from . import receivers, tasks  # noqa: F401  (login/axes signal receivers that only write logs; periodic tasks)
