from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "marketdock.listings"
    label = "listings"
    verbose_name = _("쇼핑몰 상품")

    def ready(self) -> None:
        from marketdock.core.demo import register_step

        # stock hook, availability listeners (warehouse flags, SKU status), outbox handlers, push tasks
        from . import listeners, services, tasks_sync  # noqa: F401
        from .demo import demo_listings

        register_step(demo_listings)
        services.register_outbox_handlers()
