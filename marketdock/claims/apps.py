from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "marketdock.claims"
    label = "claims"
    verbose_name = _("클레임·CS")

    def ready(self) -> None:
        from marketdock.core import dashboard
        from marketdock.core.demo import register_step
        from marketdock.orders.services import register_effect_handler

        from . import (  # noqa: F401  (tasks: the minute claim-collection scheduler)
            inquiry_tasks,  # noqa: F401 - registers the inquiry collection jobs
            services,
            tasks,
        )
        from .inquiry_dashboard import unanswered_tiles
        from .inquiry_demo import demo_answer_templates
        from .services.answers import register_inquiry_handlers

        register_effect_handler("claim_decision", services.deliver_claim_decision)
        register_inquiry_handlers()
        dashboard.register(unanswered_tiles)
        register_step(demo_answer_templates)
