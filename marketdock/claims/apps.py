from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "marketdock.claims"
    label = "claims"
    verbose_name = _("클레임·CS")

    def ready(self) -> None:
        from marketdock.orders.services import register_effect_handler

        from . import services, tasks  # noqa: F401  (tasks: the minute claim-collection scheduler)

        register_effect_handler("claim_decision", services.deliver_claim_decision)
