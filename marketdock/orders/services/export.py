"""Order Excel download (ORD-8): the export columns, saved column templates, and the export itself
(written to the personal-data download log)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from marketdock.core import params
from marketdock.core.downloads import new_workbook, workbook_file
from marketdock.core.models import Company, User
from marketdock.core.money import KRW, to_major
from marketdock.core.rates import KrwConverter
from marketdock.core.selectors import krw_converter
from marketdock.core.services import personal_data_download_record
from marketdock.core.validators import format_phone

from ..models import ExportTemplate, Order, OrderLine
from ..selectors import OrderFilters, order_search
from .excel import OrderExcelError

# ================================================================= export columns


@dataclass(frozen=True)
class ExportColumn:
    key: str
    label: object  # lazy Korean label
    personal: bool = False
    width: int = 14


def _amount(minor, currency: str):
    """An amount as the sheet shows it: whole won for KRW, the major unit for others (6908 USD
    cents → 69.08) — never minor units that read as won."""
    return int(minor or 0) if (currency or KRW) == KRW else to_major(minor, currency)


def _kst(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("account", gettext_lazy("쇼핑몰"), width=18),
    ExportColumn("channel_order_id", gettext_lazy("주문번호"), width=20),
    ExportColumn("bundle_id", gettext_lazy("배송묶음번호"), width=18),
    ExportColumn("channel_line_id", gettext_lazy("주문상세번호"), width=22),
    ExportColumn("status", gettext_lazy("주문상태")),
    ExportColumn("channel_status", gettext_lazy("쇼핑몰 상태")),
    ExportColumn("ordered_at", gettext_lazy("주문일시"), width=17),
    ExportColumn("paid_at", gettext_lazy("결제일시"), width=17),
    ExportColumn("collected_at", gettext_lazy("수집일시"), width=17),
    ExportColumn("buyer_name", gettext_lazy("주문자"), personal=True),
    ExportColumn("buyer_phone", gettext_lazy("주문자 전화"), personal=True, width=15),
    ExportColumn("buyer_email", gettext_lazy("주문자 이메일"), personal=True, width=22),
    ExportColumn("recipient_name", gettext_lazy("수령자"), personal=True),
    ExportColumn("recipient_phone", gettext_lazy("수령자 전화"), personal=True, width=15),
    ExportColumn("recipient_postal_code", gettext_lazy("우편번호"), personal=True, width=8),
    ExportColumn("recipient_address", gettext_lazy("주소"), personal=True, width=40),
    ExportColumn("delivery_message", gettext_lazy("배송메시지"), personal=True, width=24),
    ExportColumn("channel_product_id", gettext_lazy("쇼핑몰 상품코드")),
    ExportColumn("channel_option_id", gettext_lazy("쇼핑몰 옵션코드")),
    ExportColumn("product_name", gettext_lazy("상품명"), width=30),
    ExportColumn("option_text", gettext_lazy("옵션"), width=20),
    ExportColumn("seller_product_code", gettext_lazy("판매자상품코드")),
    ExportColumn("seller_option_code", gettext_lazy("판매자옵션코드")),
    ExportColumn("matched_skus", gettext_lazy("매칭 단품"), width=24),
    ExportColumn("match_status", gettext_lazy("매칭")),
    ExportColumn("quantity", gettext_lazy("수량"), width=6),
    ExportColumn("unit_price", gettext_lazy("판매가")),
    ExportColumn("discount_amount", gettext_lazy("할인")),
    ExportColumn("line_total", gettext_lazy("결제금액(상품별)")),
    ExportColumn("order_total", gettext_lazy("결제금액(주문)")),
    ExportColumn("shipping_fee", gettext_lazy("배송비")),
    ExportColumn("currency", gettext_lazy("통화"), width=6),
    ExportColumn("line_total_krw", gettext_lazy("결제금액(상품별, 원화환산)")),
    ExportColumn("order_total_krw", gettext_lazy("결제금액(주문, 원화환산)")),
    ExportColumn("dispatch_due", gettext_lazy("출고기한"), width=11),
    ExportColumn("stock_state", gettext_lazy("재고")),
)
COLUMNS_BY_KEY = {c.key: c for c in EXPORT_COLUMNS}
DEFAULT_COLUMNS = [
    "account", "channel_order_id", "channel_line_id", "status", "ordered_at", "buyer_name", "buyer_phone",
    "recipient_name", "recipient_phone", "recipient_postal_code", "recipient_address", "delivery_message",
    "product_name", "option_text", "seller_product_code", "matched_skus", "quantity", "line_total", "shipping_fee",
    "currency",
]
EXPORT_MAX_ROWS = 100_000


def _cell_value(key: str, line: OrderLine, converter: KrwConverter | None = None):
    o = line.order
    if key == "account":
        return o.account.name
    if key == "status":
        return o.get_status_display()
    if key == "channel_status":
        return line.get_channel_status_display()
    if key in ("ordered_at", "paid_at", "collected_at"):
        return _kst(getattr(o, key))
    if key in ("buyer_phone", "recipient_phone"):
        return format_phone(getattr(o, key)) or getattr(o, key)
    if key == "recipient_address":
        return " ".join(p for p in (o.recipient_address1, o.recipient_address2) if p)
    if key == "matched_skus":
        return ", ".join(f"{c.sku.code}×{c.quantity}" for c in line.components.all())
    if key == "match_status":
        return line.get_match_status_display()
    if key == "stock_state":
        return line.get_stock_state_display()
    if key == "line_total":
        return _amount(line.total_amount, line.currency)
    if key == "order_total":
        return _amount(o.total_amount, o.currency)
    if key in ("line_total_krw", "order_total_krw"):  # empty when no rate was entered for the order's date
        minor, currency = (line.total_amount, line.currency) if key == "line_total_krw" else (o.total_amount, o.currency)
        return converter.to_krw(minor, currency, timezone.localdate(o.ordered_at)) if converter else None
    if key in ("unit_price", "discount_amount"):
        return _amount(getattr(line, key), line.currency)
    if key == "quantity":
        return int(line.quantity or 0)
    if key == "shipping_fee":
        return _amount(o.shipping_fee, o.currency)
    if key == "currency":
        return line.currency
    if key == "dispatch_due":
        return line.dispatch_due.isoformat() if line.dispatch_due else ""
    if hasattr(line, key) and key not in ("status",):
        return getattr(line, key)
    return getattr(o, key, "")


def clean_columns(columns: Iterable[str]) -> list[str]:
    """Known column keys in the given order, without repeats."""
    seen: list[str] = []
    for key in columns:
        if key in COLUMNS_BY_KEY and key not in seen:
            seen.append(key)
    return seen


# ================================================================= export templates


def export_template_save(*, company: Company, user: User | None, name: str, columns: list[str],
                         template: ExportTemplate | None = None) -> ExportTemplate:
    name = (name or "").strip()
    cols = clean_columns(columns)
    if not name:
        raise OrderExcelError(_("양식명을 입력하세요."))
    if not cols:
        raise OrderExcelError(_("열을 하나 이상 고르세요."))
    if template is None:
        template = ExportTemplate(company=company, created_by=user)
    elif template.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 양식입니다."))
    template.name = name[:100]
    template.columns = cols
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise OrderExcelError(_("같은 이름의 양식 '%(name)s'이(가) 이미 있습니다.") % {"name": name}) from None
    return template


def export_template_delete(*, company: Company, template: ExportTemplate) -> None:
    if template.company_id != company.pk:
        raise OrderExcelError(_("다른 회사의 양식입니다."))
    template.delete()


def export_columns_for(template: ExportTemplate | None) -> list[ExportColumn]:
    keys = clean_columns(template.columns) if template else DEFAULT_COLUMNS
    return [COLUMNS_BY_KEY[k] for k in keys or DEFAULT_COLUMNS]


# ================================================================= export


@dataclass
class ExportResult:
    file: object  # an open binary temporary file, positioned at 0
    filename: str
    rows: int
    orders: int
    personal: bool


def orders_export(*, company: Company, user: User | None, filters: OrderFilters, order_ids: list[int] | None = None,
                  template: ExportTemplate | None = None, request=None) -> ExportResult:
    """Write the orders (the selection when `order_ids`, else the filter) one line per row into an
    xlsx (openpyxl write-only, spooled to a temporary file so memory stays flat). Writes the
    personal-data download log when any buyer/recipient column is included."""
    cols = export_columns_for(template)
    orders = order_search(company, filters)
    if order_ids:
        orders = Order.objects.filter(company=company, pk__in=order_ids)
    lines = (OrderLine.objects.filter(company=company, order__in=orders.values("id"))
             .select_related("order__account")
             .prefetch_related("components__sku")
             .order_by("-order__ordered_at", "-order_id", "id"))
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet(_("주문"))
    for i, c in enumerate(cols):
        ws.column_dimensions[_col_letter(i)].width = c.width
    bold = Font(bold=True)
    header = []
    for c in cols:
        cell = WriteOnlyCell(ws, value=str(c.label))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    rows = 0
    order_pks: set[int] = set()
    converter = krw_converter(company)
    for line in lines.iterator(chunk_size=2000):
        if rows >= EXPORT_MAX_ROWS:
            break
        ws.append([_cell_value(c.key, line, converter) for c in cols])
        order_pks.add(line.order_id)
        rows += 1
    tmp = workbook_file(wb)
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    filename = f"주문목록_{stamp}.xlsx"
    personal = any(c.personal for c in cols)
    if personal:
        log_filters = filters.as_log()
        if order_ids:
            log_filters = {"selected": len(order_ids)}
        personal_data_download_record(
            company=company, user=user, screen="orders.list",
            description=_("주문 엑셀다운로드: 주문 %(orders)s건, %(rows)s행 (양식: %(template)s)") % {
                "orders": len(order_pks), "rows": rows, "template": template.name if template else _("기본 양식")},
            record_count=rows, filters=log_filters, file_name=filename, request=request,
        )
    return ExportResult(file=tmp, filename=filename, rows=rows, orders=len(order_pks), personal=personal)


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def excel_order_ids(company: Company, ids: Iterable) -> list[int]:
    """The selected order ids that belong to the company (the rest are silently ignored)."""
    clean = params.id_list(ids, limit=EXPORT_MAX_ROWS)
    return list(Order.objects.filter(company=company, pk__in=clean).values_list("pk", flat=True))
