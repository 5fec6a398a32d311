from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "marketdock.settlement"
    label = "settlement"
    verbose_name = _("정산관리")

    def ready(self):
        from . import tasks_import  # noqa: F401 - the settlement import job and its daily schedule
