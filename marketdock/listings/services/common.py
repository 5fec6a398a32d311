"""What every listings service shares: the error, price limits, the connector of an account, company checks."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company

logger = logging.getLogger(__name__)

MAX_FEE = 1_000_000
MAX_PRICE = 1_000_000_000


class ListingError(Exception):
    """One or more rule violations (Korean, naming the field/row/value); nothing was changed."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


def connector_options(account: ChannelAccount) -> HttpOptions | None:
    """HTTP options for the account's connector (tests replace this)."""
    return None


def _connector(account: ChannelAccount):
    from marketdock.channels.services import connector_for

    return connector_for(account, options=connector_options(account))


def _own(company: Company, *objs) -> None:
    for obj in objs:
        if obj is not None and obj.company_id != company.pk:
            raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))
