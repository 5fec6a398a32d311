"""Home tile: marketplace credentials that expired or expire within 30 days (LST-1). Coupang keys
must be re-issued periodically; an expired key silently stops order collection."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.dashboard import Tile

from . import selectors


def expiring_credentials_tiles(*, company, user):
    accounts = list(selectors.channel_accounts_expiring(company))
    if not accounts:
        return
    today = timezone.localdate()
    expired = [a for a in accounts if a.credentials_expire_on < today]
    names = ", ".join(a.name for a in accounts[:3]) + (" …" if len(accounts) > 3 else "")
    yield Tile("channels_credentials_expiring", _("인증키 만료 임박"), len(accounts),
               reverse("channels:account_list") + "?expiring=1", "channels.accounts",
               "danger" if expired else "warning", names)
