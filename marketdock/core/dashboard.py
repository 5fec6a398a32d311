"""Home "처리할 일" tiles. Each app registers a provider in its AppConfig.ready(); a provider takes
the company and user and returns Tile objects (or none while it has nothing to show)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import permissions


@dataclass
class Tile:
    key: str
    label: str
    count: int
    url: str | None = None
    screen: str | None = None  # hidden from users who cannot read this screen
    level: str = "primary"  # bootstrap colour: primary, warning, danger, success, secondary
    hint: str = ""
    # the waiting step the tile counts (e.g. "to_print"): one tile per step on the home screen. When
    # two apps count the same step, the later-registered (higher) app's tile takes the earlier one's
    # place, so orders' status-based count gives way to shipping's package-based one.
    step: str = ""


_providers: list[Callable[..., Iterable[Tile]]] = []


def register(provider: Callable[..., Iterable[Tile]]) -> Callable[..., Iterable[Tile]]:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def tiles_for(company, user) -> list[Tile]:
    tiles: list[Tile] = []
    steps: dict[str, int] = {}  # step → index in tiles
    for provider in _providers:
        for tile in provider(company=company, user=user) or ():
            if tile.screen and not permissions.can_read(user, tile.screen):
                continue
            if tile.step and tile.step in steps:
                tiles[steps[tile.step]] = tile
                continue
            if tile.step:
                steps[tile.step] = len(tiles)
            tiles.append(tile)
    return tiles


@register
def _job_failures(*, company, user):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from .models import JobRun

    since = timezone.now() - timedelta(hours=24)
    failed = JobRun.objects.filter(company=company, status=JobRun.Status.FAILED, created_at__gte=since).count()
    running = JobRun.objects.filter(company=company, status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING]).count()
    url = reverse("core:job_list")
    yield Tile("jobs_failed", _("작업 실패 (24시간)"), failed, url + "?status=failed", "core.jobs",
               "danger" if failed else "secondary")
    yield Tile("jobs_running", _("진행중 작업"), running, url + "?status=running", "core.jobs", "primary")


# --- home panels (e.g. the saas app's 서비스 사용량) ------------------------------------------------


@dataclass
class Panel:
    """A block on the home screen: `template` rendered with `context`; `charts` loads md-charts.js."""

    key: str
    template: str
    context: dict
    charts: bool = False


_panels: list[Callable[..., Panel | None]] = []


def register_panel(provider: Callable[..., Panel | None]) -> Callable[..., Panel | None]:
    """`provider(*, company, user) -> Panel | None`, registered from an app's ready()."""
    if provider not in _panels:
        _panels.append(provider)
    return provider


def panels_for(company, user) -> list[Panel]:
    return [p for p in (provider(company=company, user=user) for provider in _panels) if p is not None]
