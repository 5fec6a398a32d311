"""Store sales (STL-6, 매장 매출): a sale at a store warehouse with its items, payment method and
discounts, taking its stock out through the inventory ledger exactly once (reserve + ship in one
transaction, reference `store_sale:<number>`), and putting it back (반품입고) when the sale is voided.
The sale counts in the sales figures as its own channel (the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.core.models import Company, User
from marketdock.inventory import services as stock
from marketdock.inventory.models import Warehouse

from ..models import PaymentMethod, StoreSale, StoreSaleLine
from .figures import share
from .sales import mark_days

REFERENCE = "store_sale"
MAX_ITEMS = 200


@dataclass(frozen=True)
class SaleItem:
    sku_id: int
    quantity: int
    unit_price: int
    discount: int = 0


def _check(company: Company, warehouse: Warehouse, payment_method: str, items: list[SaleItem],
           sale_discount: int) -> dict[int, SKU]:
    if warehouse.company_id != company.pk or warehouse.kind != Warehouse.Kind.STORE:
        raise ValidationError({"warehouse": _("매장으로 등록된 창고를 선택하세요.")})
    if not warehouse.is_active:
        raise ValidationError({"warehouse": _("사용하지 않는 매장입니다.")})
    if payment_method not in PaymentMethod.values:
        raise ValidationError({"payment_method": _("결제수단을 선택하세요.")})
    if not items:
        raise ValidationError({"items": _("판매할 상품을 한 개 이상 추가하세요.")})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": _("한 번에 %(n)s개 상품까지 등록할 수 있습니다.") % {"n": MAX_ITEMS}})
    skus = {s.pk: s for s in SKU.objects.filter(company=company, pk__in={i.sku_id for i in items})}
    for n, item in enumerate(items, start=1):
        if item.sku_id not in skus:
            raise ValidationError({"items": _("%(n)s번째 상품을 찾을 수 없습니다.") % {"n": n}})
        code = skus[item.sku_id].code
        if item.quantity <= 0:
            raise ValidationError({"items": _("%(code)s: 수량은 1 이상이어야 합니다.") % {"code": code}})
        if item.unit_price < 0 or item.discount < 0:
            raise ValidationError({"items": _("%(code)s: 금액은 0 이상이어야 합니다.") % {"code": code}})
        if item.discount > item.unit_price * item.quantity:
            raise ValidationError({"items": _("%(code)s: 할인이 판매금액보다 큽니다.") % {"code": code}})
    after_lines = sum(i.unit_price * i.quantity - i.discount for i in items)
    if sale_discount < 0 or sale_discount > after_lines:
        raise ValidationError({"sale_discount": _("전체 할인은 0 이상, 상품 금액 합계 이하여야 합니다.")})
    return skus


def _number(company: Company, sold_on: date) -> str:
    prefix = f"ST{sold_on:%y%m%d}-"
    last = (StoreSale.objects.filter(company=company, number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def store_sale_create(*, company: Company, user: User | None, warehouse: Warehouse, sold_on: date,
                      payment_method: str, items: list[SaleItem], sale_discount: int = 0,
                      memo: str = "") -> StoreSale:
    """Record the sale and take its stock out; refused as a whole (ValidationError in Korean) when
    anything is wrong or a SKU is short in the store."""
    _check(company, warehouse, payment_method, items, sale_discount)
    nets = [i.unit_price * i.quantity - i.discount for i in items]
    total_net = sum(nets)
    shares = [share(sale_discount, net, total_net) for net in nets]
    if shares:
        shares[-1] += sale_discount - sum(shares)
    try:
        with transaction.atomic():
            sale = StoreSale.objects.create(
                company=company, warehouse=warehouse, number=_number(company, sold_on), sold_on=sold_on,
                payment_method=payment_method, subtotal=sum(i.unit_price * i.quantity for i in items),
                line_discounts=sum(i.discount for i in items), sale_discount=sale_discount,
                total_amount=total_net - sale_discount, memo=memo[:300],
                created_by=user if user and user.pk else None)
            StoreSaleLine.objects.bulk_create([
                StoreSaleLine(company=company, sale=sale, sku_id=i.sku_id, quantity=i.quantity,
                              unit_price=i.unit_price, discount_amount=i.discount + extra, total_amount=net - extra)
                for i, net, extra in zip(items, nets, shares, strict=True)])
            lines = [(i.sku_id, warehouse.pk, i.quantity, (REFERENCE, sale.number)) for i in items]
            reason = _("매장 판매 %(number)s") % {"number": sale.number}
            stock.stock_lock(company=company, lines=lines)
            stock.stock_reserve(company=company, lines=lines, user=user, reason=reason)
            stock.stock_deduct(company=company, lines=lines, user=user, reason=reason)
            mark_days(company, [sold_on])
    except stock.StockError as exc:
        raise ValidationError({"items": str(exc)}) from None
    except IntegrityError:
        raise ValidationError({"items": _("같은 판매번호가 동시에 만들어졌습니다. 다시 저장하세요.")}) from None
    return sale


def store_sale_void(*, company: Company, user: User | None, sale: StoreSale) -> StoreSale:
    """Cancel a sale: its stock comes back to the store (반품입고) and it leaves the sales figures."""
    if sale.company_id != company.pk:
        raise ValidationError(_("매장 매출을 찾을 수 없습니다."))
    with transaction.atomic():
        locked = StoreSale.objects.select_for_update().get(pk=sale.pk)
        if locked.status == StoreSale.Status.VOIDED:
            raise ValidationError(_("이미 취소한 매장 매출입니다."))
        lines = [(ln.sku_id, locked.warehouse_id, ln.quantity, (REFERENCE, locked.number))
                 for ln in locked.lines.all()]
        try:
            stock.stock_return(company=company, lines=lines, user=user,
                               reason=_("매장 판매 취소 %(number)s") % {"number": locked.number})
        except stock.StockError as exc:
            raise ValidationError(str(exc)) from None
        locked.status = StoreSale.Status.VOIDED
        locked.voided_at = timezone.now()
        locked.save(update_fields=["status", "voided_at"])
        mark_days(company, [locked.sold_on])
    return locked
