from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "marketdock.claims"
    label = "claims"
    verbose_name = _("클레임·CS")

    def ready(self) -> None:
        from marketdock.core import dashboard as core_dashboard
        from marketdock.orders.hooks import register_order_action, register_shipment_taker

        from . import dashboard
        from .services.exchange import reship_taken

        register_shipment_taker(reship_taken)
        register_order_action(dashboard.order_actions)
        core_dashboard.register(dashboard.claim_tiles)
