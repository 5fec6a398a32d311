from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "marketdock.settlement"
    label = "settlement"
    verbose_name = _("정산관리")

    def ready(self) -> None:
        from marketdock.core.demo import register_step
        from marketdock.core.serve import register_startup
        from marketdock.orders.hooks import register_lines_changed

        from . import (
            tasks,  # noqa: F401  (the debounced settlement refresh)
            tasks_import,  # noqa: F401  (the settlement import job and its daily schedule)
        )
        from .demo import demo_first_settlement, demo_settlement
        from .services.queue import queue_lines

        register_lines_changed(queue_lines)
        register_step(demo_settlement)
        register_startup(demo_first_settlement)  # `make run`: the demo's first import once the sandbox answers
