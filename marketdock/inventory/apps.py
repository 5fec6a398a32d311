from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "marketdock.inventory"
    label = "inventory"
    verbose_name = _("재고")

    def ready(self) -> None:
        from marketdock.core import dashboard
        from marketdock.core.demo import register_step

        from . import demo, tasks  # noqa: F401  (periodic tasks)
        from .dashboard import low_stock_tiles

        dashboard.register(low_stock_tiles)
        register_step(demo.demo_inventory)
