from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "marketdock.orders"
    label = "orders"
    verbose_name = _("주문")

    def ready(self) -> None:
        from marketdock.catalog.hooks import on_sku_codes_added
        from marketdock.channels.hooks import register_account_order_counter
        from marketdock.core.dashboard import register

        from . import services, tasks  # noqa: F401  (tasks: the minute collection scheduler)
        from .dashboard import order_tiles
        from .selectors import channel_account_order_count

        register(order_tiles)
        on_sku_codes_added(services.match_waiting_by_sku_codes)
        register_account_order_counter(channel_account_order_count)
        services.register_order_handlers()  # outbox handlers: confirm, dispatch, delay
