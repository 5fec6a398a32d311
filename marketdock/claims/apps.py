from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "marketdock.claims"
    label = "claims"
    verbose_name = _("클레임·CS")

    def ready(self) -> None:
        from marketdock.core import dashboard as core_dashboard
        from marketdock.orders.hooks import register_order_action, register_shipment_taker
        from marketdock.orders.services import register_effect_handler

        from . import dashboard, services, tasks  # noqa: F401  (tasks: the minute claim-collection scheduler)
        from .services.exchange import reship_taken

        register_effect_handler("claim_decision", services.deliver_claim_decision)
        register_shipment_taker(reship_taken)
        register_order_action(dashboard.order_actions)
        core_dashboard.register(dashboard.claim_tiles)
