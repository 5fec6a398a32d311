"""Reads for the order screens. Every selector takes the company first and filters by it.

The unified order list pages with a keyset cursor over (sort key, id) so page 1 and page 5000 cost
the same; see `order_page`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company
from marketdock.core.validators import normalize_phone

from .models import OPEN_STATUSES, ExportTemplate, Order, OrderEvent, OrderLine, OrderStatus, UploadMapping

# sort key → (model field, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "-ordered_at": ("ordered_at", True),
    "ordered_at": ("ordered_at", False),
    "-collected_at": ("collected_at", True),
    "collected_at": ("collected_at", False),
    "-total_amount": ("total_amount", True),
    "total_amount": ("total_amount", False),
    "dispatch_due": ("dispatch_due", False),  # 출고기한 임박순: only orders with goods still to ship
}
DEFAULT_SORT = "-ordered_at"
COUNT_CAP = 10000
TEXT_COUNT_CAP = 1000


@dataclass
class OrderFilters:
    """What the order list is filtered by; every field comes from the URL (GET)."""

    account_ids: list[int] = field(default_factory=list)
    date_field: str = "ordered"  # ordered | collected
    start: date | None = None  # KST dates, inclusive
    end: date | None = None
    statuses: list[str] = field(default_factory=list)
    matched: bool | None = None
    name: str = ""
    phone: str = ""
    product: str = ""
    order_no: str = ""
    run_id: int | None = None
    outcome: str = ""  # created | updated | "" (either)
    effect: str = ""  # "failed": a write to the marketplace failed (전송 실패)
    delayed: bool = False  # 발송지연: an expected ship date was set and the goods have not left
    due: str = ""  # 출고기한: "today" (오늘 출고기한) | "overdue" (기한 초과) | "" (any)
    sort: str = DEFAULT_SORT
    _phone_ids: tuple[int, list[int]] | None = field(default=None, repr=False, compare=False)
    _order_no_ids: tuple[int, list[int]] | None = field(default=None, repr=False, compare=False)

    def as_log(self) -> dict:
        """A JSON-safe summary (for the personal-data download log)."""
        data = {
            "accounts": self.account_ids, "date_field": self.date_field,
            "start": self.start.isoformat() if self.start else "", "end": self.end.isoformat() if self.end else "",
            "statuses": self.statuses, "matched": self.matched, "name": self.name, "phone": self.phone,
            "product": self.product, "order_no": self.order_no, "run": self.run_id, "outcome": self.outcome,
            "effect": self.effect, "delayed": self.delayed or None, "due": self.due,
        }
        return {k: v for k, v in data.items() if v not in ("", None, [])}


def _kst_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min), timezone.get_default_timezone())


def order_search(company: Company, filters: OrderFilters) -> QuerySet[Order]:
    """Orders of the company matching the filters (unsorted, no related rows loaded)."""
    qs = Order.objects.filter(company=company)
    f = filters
    if f.account_ids:
        qs = qs.filter(account_id__in=f.account_ids)
    date_field = "collected_at" if f.date_field == "collected" else "ordered_at"
    if f.start:
        qs = qs.filter(**{f"{date_field}__gte": _kst_start(f.start)})
    if f.end:
        qs = qs.filter(**{f"{date_field}__lt": _kst_start(f.end + timedelta(days=1))})
    statuses = [s for s in f.statuses if s in OrderStatus.values]
    if len(statuses) == 1:
        qs = qs.filter(status=statuses[0])
    elif statuses:
        qs = qs.filter(status__in=statuses)
    if f.matched is not None:
        qs = qs.filter(is_matched=f.matched)
    if f.name:
        qs = qs.filter(Q(buyer_name__startswith=f.name) | Q(recipient_name__startswith=f.name))
    if f.phone:
        if f._phone_ids is None or f._phone_ids[0] != company.pk:  # once per request, not per query
            f._phone_ids = (company.pk, _phone_matches(company, normalize_phone(f.phone)))
        qs = qs.filter(id__in=f._phone_ids[1])
    if f.product:
        # a part of a product name, option text or seller code; on PostgreSQL a pg_trgm GIN index
        # on UPPER(search_text) answers it (orders migration 0003)
        qs = qs.filter(search_text__icontains=f.product)
    if f.order_no:
        # a prefix or any part of the order, bundle (package) or line number, in any letter case
        if f._order_no_ids is None or f._order_no_ids[0] != company.pk:  # once per request
            f._order_no_ids = (company.pk, _order_no_matches(company, f.order_no))
        qs = qs.filter(id__in=f._order_no_ids[1])
    if f.run_id:
        if f.outcome == "created":
            qs = qs.filter(created_run_id=f.run_id)
        elif f.outcome == "updated":
            qs = qs.filter(changed_run_id=f.run_id)
        else:
            qs = qs.filter(Q(created_run_id=f.run_id) | Q(changed_run_id=f.run_id))
    if f.effect == "failed":
        qs = qs.filter(id__in=failed_effect_order_ids(company))
    if f.delayed:
        qs = qs.filter(expected_ship_date__isnull=False, status__in=OPEN_STATUSES)
    if f.due in DUE_FILTERS:
        qs = qs.filter(due_q(f.due))
    return qs


DUE_FILTERS = ("today", "overdue")


def due_q(due: str, today: date | None = None) -> Q:
    """Orders whose 출고기한 is today / has passed (the order's deadline is empty once nothing is left
    to ship, so shipped and cancelled orders never count)."""
    today = today or timezone.localdate()
    return Q(dispatch_due=today) if due == "today" else Q(dispatch_due__lt=today)


def failed_effect_order_ids(company: Company):
    """Orders with a write to the marketplace that failed (전송 실패): the outbox gave up on the
    message or the marketplace refused some of its lines (a subquery)."""
    from .models import OrderEffect
    from .services.effects import FAILED_EFFECT_Q

    return OrderEffect.objects.filter(company=company).filter(FAILED_EFFECT_Q).values("order_id")


def order_effects(company: Company, order: Order) -> QuerySet:
    from .models import OrderEffect

    return OrderEffect.objects.filter(company=company, order=order).select_related("message").order_by("id")


def effect_states(company: Company, order_ids: list[int]) -> dict[int, str]:
    """Per order of a page: "failed" / "pending" / "sent" (the worst of its writes), for the list badge."""
    from .models import OrderEffect
    from .services.effects import FAILED_MESSAGE

    rank = {"sent": 0, "pending": 1, "failed": 2}
    out: dict[int, str] = {}
    for order_id, state, status in OrderEffect.objects.filter(company=company, order_id__in=order_ids).exclude(
            state=OrderEffect.State.SUPERSEDED).values_list("order_id", "state", "message__status"):
        if state == OrderEffect.State.FAILED or status in FAILED_MESSAGE:
            value = "failed"
        elif state == OrderEffect.State.SENT or status == "sent":
            value = "sent"
        else:
            value = "pending"
        if rank[value] >= rank.get(out.get(order_id, "sent"), 0):
            out[order_id] = value
    return out


PHONE_MATCH_CAP = 20000


def _phone_matches(company: Company, digits: str) -> list[int]:
    """Ids of orders whose buyer or recipient phone is `digits` (or ends with them, for 4 digits or
    fewer). Read from each phone column on its own: an OR of the two columns inside the paged query
    makes SQLite walk the date index row by row instead. The company is checked on the fetched rows
    because with it in the WHERE clause SQLite (no planner statistics) picks the company index and
    reads every order of the company."""
    if not digits:
        return []
    ids: set[int] = set()
    for column in ("buyer_phone_digits", "recipient_phone_digits"):
        lookup = {f"{column}__endswith" if len(digits) <= 4 else column: digits}
        rows = Order.objects.filter(**lookup).order_by().values_list("id", "company_id")[:PHONE_MATCH_CAP]
        ids.update(pk for pk, company_id in rows if company_id == company.pk)
    return sorted(ids)


ORDER_NO_MATCH_CAP = 20000


def _order_no_matches(company: Company, text: str) -> list[int]:
    """Ids of orders whose order, bundle or line number contains `text` (any letter case). Each
    column is read on its own so PostgreSQL answers each from its pg_trgm index (orders migration
    0003); an OR of the three inside the paged query would walk every order instead. As for phones,
    the company is checked on the fetched rows."""
    ids: set[int] = set()
    for model, column, id_column in ((Order, "channel_order_id", "id"), (Order, "bundle_id", "id"),
                                     (OrderLine, "channel_line_id", "order_id")):
        rows = (model.objects.filter(**{f"{column}__icontains": text}).order_by()
                .values_list(id_column, "company_id")[:ORDER_NO_MATCH_CAP])
        ids.update(pk for pk, company_id in rows if company_id == company.pk)
    return sorted(ids)


# ---------------------------------------------------------------- keyset paging


@dataclass
class OrderPage:
    rows: list[Order]
    next_cursor: str | None
    prev_cursor: str | None
    size: int
    sort: str


def _encode(value, pk: int, direction: str) -> str:
    if isinstance(value, datetime):
        text = "d" + value.isoformat()
    elif isinstance(value, date):
        text = "D" + value.isoformat()
    else:
        text = "i" + str(int(value))
    raw = f"{direction}|{pk}|{text}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, int, object] | None:
    """(direction 'n'|'p', id, key value) or None when the cursor is not ours."""
    if not cursor or len(cursor) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        direction, pk, text = raw.split("|", 2)
        if direction not in ("n", "p"):
            return None
        if text.startswith("d"):
            value: object = datetime.fromisoformat(text[1:])
            if value.tzinfo is None:
                return None
        elif text.startswith("D"):
            value = date.fromisoformat(text[1:])
        elif text.startswith("i") and re.fullmatch(r"-?\d+", text[1:]):
            value = int(text[1:])
        else:
            return None
        return direction, int(pk), value
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _after(field_name: str, value, pk: int, descending: bool) -> Q:
    """Rows strictly after (value, pk) in the sort order. The redundant `<=`/`>=` bound lets the
    database seek the (company, key, id) index instead of scanning from the top."""
    if descending:
        return Q(**{f"{field_name}__lte": value}) & (Q(**{f"{field_name}__lt": value}) | Q(id__lt=pk))
    return Q(**{f"{field_name}__gte": value}) & (Q(**{f"{field_name}__gt": value}) | Q(id__gt=pk))


def order_page(company: Company, filters: OrderFilters, *, cursor: str = "", size: int = 50) -> OrderPage:
    """One page of the order list, keyset-paginated on (sort key, id): a constant number of queries
    and the same cost for every page; rows never repeat or go missing between pages, also when
    many orders share one timestamp."""
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    field_name, descending = SORTS[sort]
    qs = order_search(company, filters).select_related("account")
    if field_name == "dispatch_due":
        qs = qs.filter(dispatch_due__isnull=False)
    decoded = _decode(cursor)
    backwards = False
    if decoded:
        direction, pk, value = decoded
        kind = datetime if field_name.endswith("_at") else date if field_name == "dispatch_due" else int
        if type(value) is not kind:
            decoded = None
        else:
            backwards = direction == "p"
            # going back = walking the reverse order from the cursor
            qs = qs.filter(_after(field_name, value, pk, descending != backwards))
    order_desc = descending != backwards
    ordering = [f"-{field_name}", "-id"] if order_desc else [field_name, "id"]
    rows = list(qs.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return OrderPage(rows=[], next_cursor=None, prev_cursor=None, size=size, sort=sort)
    first, last = rows[0], rows[-1]
    has_next = more if not backwards else True
    has_prev = bool(decoded) and (more if backwards else True)
    return OrderPage(
        rows=rows,
        next_cursor=_encode(getattr(last, field_name), last.pk, "n") if has_next else None,
        prev_cursor=_encode(getattr(first, field_name), first.pk, "p") if has_prev else None,
        size=size, sort=sort,
    )


def order_count(company: Company, filters: OrderFilters, *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counting stops at `cap` so a huge result never costs a full scan. A product
    search counts to TEXT_COUNT_CAP only: a short (two-letter) word has no trigram to look up, and
    counting ten thousand matches would read a large part of the orders."""
    if filters.product:
        cap = min(cap, TEXT_COUNT_CAP)
    n = order_search(company, filters).order_by().values("id")[: cap + 1].count()
    return min(n, cap), n > cap


# ---------------------------------------------------------------- detail


def channel_account_order_count(company: Company, account: ChannelAccount) -> int:
    """How many orders a channel account has received (registered as channels' account_order_count)."""
    return Order.objects.filter(company=company, account=account).count()


def order_get(company: Company, pk: int) -> Order:
    return Order.objects.select_related("account", "duplicate_of", "created_run", "changed_run").get(
        company=company, pk=pk)


def order_lines(company: Company, order: Order) -> QuerySet[OrderLine]:
    return (OrderLine.objects.filter(company=company, order=order)
            .prefetch_related("components__sku__product").order_by("id"))


def order_events(company: Company, order: Order) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(company=company, order=order).select_related("user", "line").order_by("at", "id")


def buyer_history(company: Company, order: Order, *, limit: int = 20) -> QuerySet[Order]:
    """Other orders of the same buyer (same `buyer_key`: name + phone), newest first (ORD-11)."""
    if not order.buyer_key:
        return Order.objects.none()
    return (Order.objects.filter(company=company, buyer_key=order.buyer_key).exclude(pk=order.pk)
            .select_related("account").order_by("-ordered_at", "-id")[:limit])


def orders_by_ids(company: Company, ids: list[int]) -> QuerySet[Order]:
    return Order.objects.filter(company=company, pk__in=ids)


def channel_accounts(company: Company) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(company=company).order_by("kind", "name", "id")


def channel_account_get(company: Company, pk: int) -> ChannelAccount:
    return ChannelAccount.objects.get(company=company, pk=pk)


# ---------------------------------------------------------------- Excel settings


def export_templates(company: Company) -> QuerySet[ExportTemplate]:
    return ExportTemplate.objects.filter(company=company).order_by("name", "id")


def export_template_get(company: Company, pk: int) -> ExportTemplate:
    return ExportTemplate.objects.get(company=company, pk=pk)


def upload_mappings(company: Company, *, account_id: int | None = None) -> QuerySet[UploadMapping]:
    qs = UploadMapping.objects.filter(company=company).select_related("account")
    if account_id:
        qs = qs.filter(account_id=account_id)
    return qs.order_by("account__name", "name", "id")


def upload_mapping_get(company: Company, pk: int) -> UploadMapping:
    return UploadMapping.objects.select_related("account").get(company=company, pk=pk)
