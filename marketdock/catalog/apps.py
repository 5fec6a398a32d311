from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "marketdock.catalog"
    label = "catalog"
    verbose_name = _("상품")

    def ready(self):
        from marketdock.core.demo import register_step

        from . import tasks  # noqa: F401 - registers the Excel import job
        from .demo import demo_catalog

        register_step(demo_catalog)
