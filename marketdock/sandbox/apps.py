import os
import sys

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sandbox_process() -> tuple[str, list[str]] | None:
    if os.environ.get("MARKETDOCK_SANDBOX", "1").strip() == "0":
        return None
    return ("sandbox", [sys.executable, "-m", "marketdock.manage", "sandbox"])


class SandboxConfig(AppConfig):
    name = "marketdock.sandbox"
    label = "sandbox"
    verbose_name = _("샌드박스 마켓")

    def ready(self) -> None:
        from marketdock.core.serve import register

        register(_sandbox_process)  # `marketdock serve` (make run) starts the sandbox marketplace too
