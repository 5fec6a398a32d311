from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SaasConfig(AppConfig):
    name = "marketdock.saas"
    label = "saas"
    verbose_name = _("서비스 운영")
