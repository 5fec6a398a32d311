from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "marketdock.claims"
    label = "claims"
    verbose_name = _("클레임·CS")

    def ready(self) -> None:
        from marketdock.core import dashboard as core_dashboard
        from marketdock.core.demo import register_step
        from marketdock.orders.hooks import (
            register_bulk_action,
            register_order_action,
            register_shipment_taker,
        )
        from marketdock.orders.services import register_effect_handler

        # tasks / inquiry_tasks: the minute claim- and inquiry-collection schedulers and their jobs
        from . import dashboard, inquiry_tasks, services, tasks  # noqa: F401
        from .inquiry_dashboard import unanswered_tiles
        from .inquiry_demo import demo_answer_templates, demo_cs_settings
        from .services.answers import register_inquiry_handlers
        from .services.exchange import reship_taken

        register_effect_handler("claim_decision", services.deliver_claim_decision)
        register_inquiry_handlers()
        register_shipment_taker(reship_taken)
        register_order_action(dashboard.order_actions)
        register_bulk_action(dashboard.order_bulk_actions)
        core_dashboard.register(dashboard.claim_tiles)
        core_dashboard.register(unanswered_tiles)
        register_step(demo_answer_templates)
        register_step(demo_cs_settings)
