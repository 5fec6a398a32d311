from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "marketdock.channels"
    label = "channels"
    verbose_name = _("판매채널")
