from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShippingConfig(AppConfig):
    name = "marketdock.shipping"
    label = "shipping"
    verbose_name = _("배송")

    def ready(self) -> None:
        from marketdock.core import dashboard
        from marketdock.core.demo import register_step
        from marketdock.orders.hooks import register_carrier_resolver, register_shipping

        from . import tasks  # noqa: F401  (label batch and tracking jobs, the 30-minute tracking poll)
        from .dashboard import band_tiles
        from .demo import demo_shipping
        from .order_hooks import PROVIDER
        from .selectors import carrier_keys_by_channel_code
        from .views_packages import package_tiles

        dashboard.register(band_tiles)
        dashboard.register(package_tiles)
        register_step(demo_shipping)
        register_carrier_resolver(carrier_keys_by_channel_code)
        register_shipping(PROVIDER)  # carriers, number rules and packages for the order flow
