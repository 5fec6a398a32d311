from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "marketdock.channels"
    label = "channels"
    verbose_name = _("판매채널")

    def ready(self) -> None:
        from marketdock.core import dashboard
        from marketdock.core.demo import register_step

        from . import demo, tasks  # noqa: F401  (periodic tasks)
        from .dashboard import expiring_credentials_tiles

        dashboard.register(expiring_credentials_tiles)
        register_step(demo.demo_channel_accounts)
