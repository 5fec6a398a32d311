"""Marketplace categories for registration (쇼핑몰 카테고리): the category tree of one channel account,
loaded from the marketplace's category API through its connector (`Connector.list_categories`),
cached per account in MarketCategory and refreshed on demand; the picker searches and browses the
cache so a seller never types a raw category code.

A listing saved with a category code that the account's cache knows gets that category's path as its
name; one that the cache does not know, or that is not a leaf (only leaves take products), is
refused — when the account has a cache at all (without one the code typed is kept as it is).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.base import connector_class
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.models import ChannelCategory
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company

from .models import MarketCategory
from .services import ListingError
from .services.common import _connector, _own

MAX_RESULTS = 50


def categories_supported(account: ChannelAccount) -> bool:
    """Whether the account's marketplace has a category API the connector reads."""
    if account.kind == ChannelKind.MANUAL:
        return False
    try:
        return bool(connector_class(account.kind).capabilities.categories)
    except ConnectorError:
        return False


@dataclass
class RefreshResult:
    count: int
    leaves: int


def categories_refresh(*, company: Company, account: ChannelAccount) -> RefreshResult:
    """Load the account's whole category tree from the marketplace and replace its cache (the call
    happens outside any transaction; the cache is swapped in one). Raises ListingError with the
    marketplace's message when it cannot be loaded (the old cache stays then)."""
    _own(company, account)
    if not categories_supported(account):
        raise ListingError(_("%(account)s: 이 쇼핑몰은 카테고리 목록을 제공하지 않습니다.") % {"account": account.name})
    try:
        with _connector(account) as conn:
            nodes = conn.list_categories()
    except (ConnectorError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise ListingError(_("%(account)s: 카테고리를 불러오지 못했습니다 — %(error)s") % {
            "account": account.name, "error": message}) from None
    if not nodes:
        raise ListingError(_("%(account)s: 쇼핑몰이 카테고리를 하나도 보내지 않았습니다.") % {"account": account.name})
    return categories_store(company=company, account=account, nodes=nodes)


def categories_store(*, company: Company, account: ChannelAccount, nodes: list[ChannelCategory]) -> RefreshResult:
    """Replace the account's category cache with `nodes` (one transaction)."""
    _own(company, account)
    now = timezone.now()
    seen: set[str] = set()
    rows = []
    for node in nodes:
        if node.id in seen:
            continue
        seen.add(node.id)
        rows.append(MarketCategory(company=company, account=account, code=node.id[:100], name=node.name[:200],
                                   path=node.path[:600], parent_code=node.parent_id[:100], is_leaf=node.leaf,
                                   fetched_at=now))
    with transaction.atomic():
        MarketCategory.objects.filter(company=company, account=account).delete()
        MarketCategory.objects.bulk_create(rows, batch_size=2000)
    return RefreshResult(count=len(rows), leaves=sum(1 for r in rows if r.is_leaf))


def categories_fetched_at(company: Company, account: ChannelAccount):
    row = MarketCategory.objects.filter(company=company, account=account).order_by("-fetched_at").first()
    return row.fetched_at if row else None


def categories_search(company: Company, account: ChannelAccount, q: str) -> list[MarketCategory]:
    """Leaf categories whose path contains every word of `q` (at most MAX_RESULTS, by path)."""
    words = q.split()[:5]
    if not words:
        return []
    qs = MarketCategory.objects.filter(company=company, account=account, is_leaf=True)
    for word in words:
        qs = qs.filter(Q(path__icontains=word) | Q(code=word))
    return list(qs.order_by("path")[:MAX_RESULTS])


def categories_children(company: Company, account: ChannelAccount, parent: str = "") -> list[MarketCategory]:
    """The nodes right under `parent` ("" = the top level)."""
    return list(MarketCategory.objects.filter(company=company, account=account, parent_code=parent)
                .order_by("name", "code")[:500])


def category_get(company: Company, account: ChannelAccount, code: str) -> MarketCategory | None:
    return MarketCategory.objects.filter(company=company, account=account, code=code).first() if code else None


def category_resolve(company: Company, account: ChannelAccount, code: str, name: str = "") -> tuple[str, str]:
    """(code, name) to store on a listing: with a cached tree the code must be one of its leaves and
    the name is its path; without one the values are kept as typed. Raises ListingError."""
    code = (code or "").strip()
    if not code:
        return "", (name or "").strip()
    if not MarketCategory.objects.filter(company=company, account=account).exists():
        return code, (name or "").strip()
    node = category_get(company, account, code)
    if node is None:
        raise ListingError(_("%(account)s: 카테고리 '%(code)s'은(는) 쇼핑몰 카테고리 목록에 없습니다. 목록에서 고르세요.") % {
            "account": account.name, "code": code})
    if not node.is_leaf:
        raise ListingError(_("%(account)s: '%(path)s'은(는) 최하위 카테고리가 아닙니다. 그 아래 카테고리를 고르세요.") % {
            "account": account.name, "path": node.path})
    return node.code, node.path[:200]
