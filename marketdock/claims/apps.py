from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "marketdock.claims"
    label = "claims"
    verbose_name = _("클레임·CS")

    def ready(self) -> None:
        from marketdock.core import dashboard
        from marketdock.core.demo import register_step

        from . import inquiry_tasks  # noqa: F401 - registers the inquiry collection jobs
        from .inquiry_dashboard import unanswered_tiles
        from .inquiry_demo import demo_answer_templates
        from .services.answers import register_inquiry_handlers

        register_inquiry_handlers()
        dashboard.register(unanswered_tiles)
        register_step(demo_answer_templates)
