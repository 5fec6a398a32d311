from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "marketdock.analytics"
    label = "analytics"
    verbose_name = _("통계")

    def ready(self) -> None:
        from marketdock.core import dashboard
        from marketdock.core.demo import register_step

        from . import tasks  # noqa: F401  (the debounced rollup refresh)
        from .dashboard import sales_tiles
        from .demo import demo_analytics

        dashboard.register(sales_tiles)
        register_step(demo_analytics)
