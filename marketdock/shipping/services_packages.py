"""Packages (합포장, SHP-3), label printing (SHP-2) and non-parcel handover (SHP-5).

A `Package` is one box: orders awaiting shipment (주문확정/출고준비) to the same recipient — name,
phone and address compared after normalisation (`addresses.address_key`) — from the same channel account (its shipping
policy) and the same warehouse are grouped automatically into one package with one tracking number.
An order with a no-merge lock (`PackageLock`, 합포장 제외) always ships alone. Open packages can be
split and merged by hand.

Printing issues one number per package that has none, from the chosen carrier contract's bands
(`label_services`); `services_label_batches` renders the labels (`labels.labels_pdf`). A reprint keeps the number; a new
number only comes after the orders were moved back to 주문확정 (`packages_reopen` voids the old one).
Order status changes go through the order flow (`marketdock.orders.services.order_transition`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import Company, User
from marketdock.orders.models import (
    SHIPPABLE_STATUSES,
    SHIPPED_STATUSES,
    Order,
    OrderLine,
    OrderStatus,
)

from . import selectors
from .addresses import address_key, group_key
from .label_services import LabelRequest, label_service_for
from .models import (
    BOX_SIZES,
    CarrierContract,
    IssuedTrackingNumber,
    Package,
    PackageLock,
    PackageMethod,
    PackageOrder,
    PackageStatus,
)
from .services import ShippingError, tracking_number_mark_used, tracking_number_void

SHORTAGE_DECISIONS = ("", "print", "skip")  # packages_print: ask / print anyway / leave out
LIVE = (PackageStatus.OPEN, PackageStatus.PRINTED)


# --- results ------------------------------------------------------------------------------------


@dataclass
class RowResult:
    """The outcome for one package (or order) of a bulk action, for the per-row result list."""

    ref: str
    ok: bool
    message: str = ""


@dataclass
class BuildResult:
    created: int = 0
    joined: int = 0
    removed: int = 0
    packages: list[Package] = field(default_factory=list)
    shortages: dict[int, list] = field(default_factory=dict)  # package id → [Shortage]: stock to deal with now


# --- helpers ------------------------------------------------------------------------------------


def _order_warehouses(company: Company, orders: Sequence[Order]) -> dict[int, int | None]:
    """The warehouse each order's stock was reserved in (the company's default warehouse otherwise)."""
    from marketdock.inventory.models import MovementKind, StockMovement, Warehouse

    default = Warehouse.objects.filter(company=company, is_default=True).values_list("pk", flat=True).first()
    lines = dict(OrderLine.objects.filter(company=company, order__in=[o.pk for o in orders])
                 .values_list("pk", "order_id"))
    result: dict[int, int | None] = {o.pk: None for o in orders}
    if lines:
        rows = (StockMovement.objects.filter(company=company, reference_type="order_line", kind=MovementKind.RESERVE,
                                             reference_id__in=[str(pk) for pk in lines])
                .order_by("id").values_list("reference_id", "warehouse_id"))
        for ref, warehouse_id in rows:
            order_id = lines.get(int(ref))
            if order_id is not None and result.get(order_id) is None:
                result[order_id] = warehouse_id
    return {pk: (wid or default) for pk, wid in result.items()}


def _snapshot(package: Package, order: Order) -> None:
    package.recipient_name = order.recipient_name
    package.recipient_phone = order.recipient_phone
    package.recipient_postal_code = order.recipient_postal_code
    package.recipient_address1 = order.recipient_address1
    package.recipient_address2 = order.recipient_address2
    package.delivery_message = order.delivery_message


def _locked_ids(company: Company, order_ids: Iterable[int]) -> set[int]:
    return set(PackageLock.objects.filter(company=company, order_id__in=list(order_ids)).values_list("order_id", flat=True))


def _check_company(company: Company, *objs) -> None:
    for obj in objs:
        if obj.company_id != company.pk:
            raise ShippingError(_("포장을 찾을 수 없습니다."))


def _void_empty(company: Company, package_ids: Iterable[int]) -> None:
    """Packages left without orders are dissolved (their number, if any, is voided)."""
    empty = (Package.objects.filter(company=company, pk__in=list(package_ids)).annotate(n=Count("memberships"))
             .filter(n=0).exclude(status=PackageStatus.VOIDED))
    for package in empty:
        if package.tracking_id and package.status in LIVE:
            _void_number(company, package, _("포장 해체"))
        package.status = PackageStatus.VOIDED
        package.save(update_fields=["status", "tracking", "tracking_number"])


def _void_number(company: Company, package: Package, reason: str) -> None:
    number = package.tracking
    if number is not None and number.status != IssuedTrackingNumber.Status.VOIDED:
        tracking_number_void(company=company, number=number, reason=reason)
    package.tracking = None
    package.tracking_number = ""


# --- building packages ----------------------------------------------------------------------------


def packages_unship(*, company: Company, packages: Sequence[Package] | None = None) -> int:
    """Shipped packages none of whose orders is shipped any more (the order flow moved them back
    출고완료 → 출고준비 before the marketplace heard) go back to 운송장출력, their scan check to be done
    again. Returns how many."""
    from .models import PackageScan

    qs = Package.objects.filter(company=company, status=PackageStatus.SHIPPED)
    if packages is not None:
        qs = qs.filter(pk__in=[p.pk for p in packages])
    still = PackageOrder.objects.filter(company=company, order__status__in=SHIPPED_STATUSES).values("package_id")
    ids = list(qs.exclude(pk__in=still).filter(memberships__isnull=False).values_list("pk", flat=True).distinct())
    if ids:
        Package.objects.filter(pk__in=ids, method=PackageMethod.PARCEL).update(status=PackageStatus.PRINTED,
                                                                              shipped_at=None)
        Package.objects.filter(pk__in=ids).exclude(method=PackageMethod.PARCEL).update(
            status=PackageStatus.OPEN, shipped_at=None, handover_date=None, method=PackageMethod.PARCEL)
        PackageScan.objects.filter(company=company, package_id__in=ids).delete()
    return len(ids)


@transaction.atomic
def packages_build(*, company: Company, orders: Sequence[Order] | None = None, user: User | None = None) -> BuildResult:
    """Put every order awaiting shipment that is not in a package yet (or just `orders`) into one:
    an open package with the same group key when there is one, else a new package. Orders that
    stopped waiting (cancelled, held, back to 신규) leave open packages first."""
    out = BuildResult()
    Company.objects.select_for_update().filter(pk=company.pk).first()  # one grouping per company at a time
    packages_unship(company=company)
    stale = PackageOrder.objects.filter(company=company, package__status=PackageStatus.OPEN).exclude(
        order__status__in=SHIPPABLE_STATUSES)
    touched = set(stale.values_list("package_id", flat=True))
    out.removed = stale.count()
    if out.removed:
        PackageOrder.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        _void_empty(company, touched)

    qs = Order.objects.filter(company=company, status__in=SHIPPABLE_STATUSES, package_membership__isnull=True)
    if orders is not None:
        qs = qs.filter(pk__in=[o.pk for o in orders])
    todo = list(qs.order_by("ordered_at", "id"))
    if not todo:
        return out
    warehouses = _order_warehouses(company, todo)
    locked = _locked_ids(company, [o.pk for o in todo])
    keyed: dict[str, list[Order]] = defaultdict(list)
    singles: list[Order] = []
    address_of: dict[int, str] = {}
    for order in todo:
        address_of[order.pk] = address_key(order.recipient_address1, order.recipient_address2)
        if order.pk in locked:
            singles.append(order)
            continue
        key = group_key(account_id=order.account_id, warehouse_id=warehouses[order.pk], name=order.recipient_name,
                        phone=order.recipient_phone, address=address_of[order.pk])
        keyed[key].append(order)
    existing = {p.group_key: p for p in Package.objects.filter(
        company=company, status=PackageStatus.OPEN, group_key__in=list(keyed)).order_by("-id")}
    now = timezone.now()
    memberships: list[PackageOrder] = []

    def new_package(order: Order, key: str) -> Package:
        package = Package(company=company, account_id=order.account_id, warehouse_id=warehouses[order.pk],
                          group_key=key, address_key=address_of[order.pk][:400], created_by=user, created_at=now)
        _snapshot(package, order)
        package.save()
        out.created += 1
        out.packages.append(package)
        return package

    for key, group in keyed.items():
        package = existing.get(key)
        if package is None:
            package = new_package(group[0], key)
        else:
            out.joined += len(group)
            out.packages.append(package)
        memberships += [PackageOrder(company=company, package=package, order=o, added_at=now) for o in group]
    for order in singles:
        package = new_package(order, "")
        memberships.append(PackageOrder(company=company, package=package, order=order, added_at=now))
    PackageOrder.objects.bulk_create(memberships)
    out.shortages = packages_shortages(company, out.packages)
    return out


@transaction.atomic
def package_split(*, company: Company, package: Package, orders: Sequence[Order], user: User | None = None) -> Package:
    """Move `orders` out of an open package into a new package of their own (kept out of automatic
    grouping)."""
    _check_company(company, package)
    package = Package.objects.select_for_update().get(pk=package.pk, company=company)
    if package.status != PackageStatus.OPEN:
        raise ShippingError(_("운송장을 출력한 포장은 나눌 수 없습니다. 주문을 주문확정으로 되돌린 뒤 나누세요."))
    member_ids = set(PackageOrder.objects.filter(package=package).values_list("order_id", flat=True))
    ids = {o.pk for o in orders}
    if not ids:
        raise ShippingError(_("나눌 주문을 선택하세요."))
    if not ids <= member_ids:
        raise ShippingError(_("선택한 주문이 이 포장에 없습니다."))
    if ids == member_ids:
        raise ShippingError(_("포장의 모든 주문을 나눌 수는 없습니다. 남길 주문이 하나 이상 있어야 합니다."))
    first = Order.objects.filter(company=company, pk__in=ids).order_by("ordered_at", "id").first()
    new = Package(company=company, account_id=package.account_id, warehouse_id=package.warehouse_id,
                  group_key="", address_key=address_key(first.recipient_address1, first.recipient_address2)[:400],
                  created_by=user, box_size=package.box_size)
    _snapshot(new, first)
    new.save()
    PackageOrder.objects.filter(package=package, order_id__in=ids).update(package=new)
    return new


@transaction.atomic
def packages_merge(*, company: Company, packages: Sequence[Package], user: User | None = None) -> Package:
    """Merge open packages into the first one (the others are dissolved)."""
    for p in packages:
        _check_company(company, p)
    ids = list(dict.fromkeys(p.pk for p in packages))
    if len(ids) < 2:
        raise ShippingError(_("합칠 포장을 두 개 이상 선택하세요."))
    rows = {p.pk: p for p in Package.objects.select_for_update().filter(company=company, pk__in=ids)}
    if len(rows) != len(ids):
        raise ShippingError(_("포장을 찾을 수 없습니다."))
    target = rows[ids[0]]
    for pk in ids:
        p = rows[pk]
        if p.status != PackageStatus.OPEN:
            raise ShippingError(_("%(code)s: 출고대기 상태의 포장만 합칠 수 있습니다 (현재 %(status)s).")
                                % {"code": p.code, "status": p.get_status_display()})
        if p.warehouse_id != target.warehouse_id:
            raise ShippingError(_("%(code)s: 출고 창고가 다른 포장은 합칠 수 없습니다.") % {"code": p.code})
    locked = PackageLock.objects.filter(company=company, order__package_membership__package_id__in=ids).select_related(
        "order").first()
    if locked is not None:
        raise ShippingError(_("주문 %(no)s은(는) 합포장 제외로 설정되어 있어 합칠 수 없습니다.")
                            % {"no": locked.order.channel_order_id})
    others = ids[1:]
    PackageOrder.objects.filter(package_id__in=others).update(package=target)
    Package.objects.filter(pk__in=others).update(status=PackageStatus.VOIDED)
    return target


@transaction.atomic
def order_no_merge_set(*, company: Company, order: Order, locked: bool, user: User | None = None,
                       reason: str = "") -> None:
    """Turn the no-merge lock (합포장 제외) on or off. Locking takes the order out of a shared open
    package; unlocking lets the next grouping combine it again."""
    if order.company_id != company.pk:
        raise ShippingError(_("주문을 찾을 수 없습니다."))
    membership = PackageOrder.objects.filter(company=company, order=order).select_related("package").first()
    if locked:
        PackageLock.objects.get_or_create(company=company, order=order,
                                          defaults={"created_by": user, "reason": reason.strip()[:200]})
        if membership and membership.package.status == PackageStatus.OPEN:
            package = membership.package
            if PackageOrder.objects.filter(package=package).count() > 1:
                package_split(company=company, package=package, orders=[order], user=user)
            else:
                Package.objects.filter(pk=package.pk).update(group_key="")
        return
    PackageLock.objects.filter(company=company, order=order).delete()
    if membership and membership.package.status == PackageStatus.OPEN \
            and PackageOrder.objects.filter(package=membership.package).count() == 1:
        package_id = membership.package_id
        membership.delete()
        _void_empty(company, [package_id])
        packages_build(company=company, orders=[order], user=user)


# --- items ----------------------------------------------------------------------------------------


@dataclass
class PackageItem:
    """A line of a package: what the label prints, and the SKUs (× units) the scan check expects."""

    order: Order
    line: OrderLine
    quantity: int
    skus: list[tuple[int, int]]  # (sku id, units) — physical SKUs, sets expanded


def package_items(company: Company, package: Package) -> list[PackageItem]:
    from marketdock.catalog.selectors import set_components
    from marketdock.orders.services import component_units, line_effective_quantity

    lines = list(OrderLine.objects.filter(company=company, order__package_membership__package=package)
                 .select_related("order").prefetch_related("components").order_by("order__ordered_at", "order_id", "id"))
    sets = set_components(company, {c.sku_id for ln in lines for c in ln.components.all()})
    items: list[PackageItem] = []
    for line in lines:
        qty = line_effective_quantity(line)
        if qty <= 0:
            continue
        skus: dict[int, int] = defaultdict(int)
        for comp in line.components.all():
            units = component_units(line, comp.quantity, qty)
            for sku_id, per in sets.get(comp.sku_id, [(comp.sku_id, 1)]):
                skus[sku_id] += units * per
        items.append(PackageItem(order=line.order, line=line, quantity=qty, skus=list(skus.items())))
    return items


# --- stock check before the label ------------------------------------------------------------------


@dataclass
class Shortage:
    """Why a package's stock cannot be deducted at 출고준비: a SKU short by `shortfall` units (after the
    packages listed before it took their share), or a line not matched to any SKU (`sku_code` "")."""

    package_id: int
    order_no: str
    sku_code: str
    sku_name: str
    needed: int = 0
    available: int = 0
    shortfall: int = 0

    @property
    def text(self) -> str:
        if not self.sku_code:
            return _("%(order)s: 매칭되지 않은 상품 %(name)s") % {"order": self.order_no, "name": self.sku_name}
        return _("%(sku)s %(name)s: 필요 %(need)s개, 가용 %(avail)s개, %(short)s개 부족") % {
            "sku": self.sku_code, "name": self.sku_name, "need": self.needed, "avail": max(0, self.available),
            "short": self.shortfall}


def packages_shortages(company: Company, packages: Sequence[Package]) -> dict[int, list[Shortage]]:
    """{package id: shortages} for the packages whose stock could not be deducted now (checked when
    packages are built and before labels print, not only at the last scan). Lines already deducted,
    reserved (their units are held) or of unmanaged products need nothing; the others need the
    default warehouse's available stock (on hand − reserved), shared out in the given package order
    so two packages never count the same last unit. Set SKUs count as their components."""
    from marketdock.catalog.models import SKU
    from marketdock.catalog.selectors import set_components
    from marketdock.inventory.models import StockLevel
    from marketdock.orders.models import MatchStatus, OrderLineComponent, StockState
    from marketdock.orders.services import component_units, inventory_enabled, line_effective_quantity

    ids = [p.pk for p in packages]
    if not ids or not inventory_enabled(company):
        return {}
    lines = list(OrderLine.objects.filter(company=company, order__package_membership__package__in=ids,
                                          order__status__in=SHIPPABLE_STATUSES)
                 .exclude(stock_state__in=[StockState.DEDUCTED, StockState.UNMANAGED, StockState.RESERVED])
                 .values_list("pk", "order__package_membership__package_id", "order__channel_order_id",
                              "product_name", "quantity", "cancelled_quantity", "match_status")
                 .order_by("order__ordered_at", "order_id", "id"))
    if not lines:
        return {}
    comps: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for line_id, sku_id, qty in OrderLineComponent.objects.filter(
            company=company, line_id__in=[row[0] for row in lines]).values_list("line_id", "sku_id", "quantity"):
        comps[line_id].append((sku_id, qty))
    sets = set_components(company, {sku for cs in comps.values() for sku, _q in cs})
    out: dict[int, list[Shortage]] = defaultdict(list)
    need: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # package → physical SKU → units
    for line_id, package_id, order_no, name, quantity, cancelled, match in lines:
        probe = OrderLine(quantity=quantity, cancelled_quantity=cancelled)
        qty = line_effective_quantity(probe)
        if qty <= 0:
            continue
        if match != MatchStatus.MATCHED or not comps.get(line_id):
            out[package_id].append(Shortage(package_id, order_no, "", name[:60]))
            continue
        for sku_id, per_line in comps[line_id]:
            units = component_units(probe, per_line, qty)
            for physical, per in sets.get(sku_id, [(sku_id, 1)]):
                need[package_id][physical] += units * per
    sku_ids = {sku for by_sku in need.values() for sku in by_sku}
    skus = {s.pk: s for s in SKU.objects.filter(company=company, pk__in=sku_ids).select_related("product")}
    available = {sku: on_hand - reserved for sku, on_hand, reserved in StockLevel.objects.filter(
        company=company, sku_id__in=sku_ids, warehouse__is_default=True).values_list("sku_id", "on_hand", "reserved")}
    orders_of: dict[int, str] = {}
    for _l, package_id, order_no, *_rest in lines:
        orders_of.setdefault(package_id, order_no)
    for package_id in ids:  # first come, first served: in the order the packages were given
        for sku_id, units in sorted(need.get(package_id, {}).items()):
            sku = skus.get(sku_id)
            if sku is None or not getattr(sku.product, "inventory_managed", True):
                continue
            left = available.get(sku_id, 0)
            if units > left:
                out[package_id].append(Shortage(package_id, orders_of[package_id], sku.code, sku.product.name[:60],
                                                units, left, units - max(0, left)))
            available[sku_id] = left - units
    return dict(out)


# --- printing -------------------------------------------------------------------------------------


def orders_transition(*, company: Company, orders: Sequence[Order], to: str, user: User | None,
                      reason: str = "", package: Package | None = None) -> dict[int, str]:
    """Move orders through the order flow; {order id: error message} for the orders it refused."""
    if not orders:
        return {}
    from marketdock.orders import services as order_services

    from .order_hooks import package_shipment_of

    shipment = package_shipment_of(package) if package is not None else None
    result = order_services.order_transition(company=company, orders=list(orders), to=to, user=user, reason=reason,
                                             package=shipment)
    return transition_failures(result)


def transition_failures(result) -> dict[int, str]:
    failures: dict[int, str] = {}
    for row in getattr(result, "failed", None) or []:
        order = getattr(row, "order", None)
        order_id = getattr(order, "pk", None) or getattr(row, "order_id", None)
        failures[order_id] = str(getattr(row, "message", "") or getattr(row, "error", ""))
    return failures


@dataclass
class PrintPlan:
    """What `packages_print` did: the packages to render, per-package results, and warnings."""

    packages: list[Package] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    issued: int = 0
    reprinted: int = 0


def address_changed_packages(company: Company, packages: Sequence[Package]) -> list[tuple[Package, list[Order]]]:
    """Packages with an order whose address the marketplace changed after collection (check before
    printing)."""
    by_pkg: dict[int, list[Order]] = defaultdict(list)
    for order in Order.objects.filter(company=company, address_changed=True,
                                      package_membership__package__in=[p.pk for p in packages]).select_related(
            "package_membership"):
        by_pkg[order.package_membership.package_id].append(order)
    return [(p, by_pkg[p.pk]) for p in packages if p.pk in by_pkg]


def _moved_back_since_print(company: Company, packages: Sequence[Package],
                            members: dict[int, list[Order]]) -> set[int]:
    """Packages whose orders went 출고준비 → 주문확정 after the package's last print (on any screen):
    the FAQ's rule gives those a new number."""
    from marketdock.orders.models import OrderEvent

    out: set[int] = set()
    for p in packages:
        if p.printed_at is None:
            continue
        if OrderEvent.objects.filter(company=company, order__in=[o.pk for o in members[p.pk]], kind="status",
                                     at__gt=p.printed_at, data__old=OrderStatus.READY.value,
                                     data__new=OrderStatus.CONFIRMED.value).exists():
            out.add(p.pk)
    return out


def claim_message(order: Order, action: str) -> str:
    """Why a package with an order the buyer asked to cancel/return/exchange cannot go on."""
    return _("주문 %(no)s에 %(claim)s이(가) 있어 %(action)s할 수 없습니다. 쇼핑몰에서 요청을 처리(승인 또는 거부)한 뒤 "
             "다시 수집하세요.") % {"no": order.channel_order_id, "claim": order.get_claim_display(), "action": action}


def packages_print(
    *, company: Company, packages: Sequence[Package], contract: CarrierContract | None = None,
    move_to_ready: bool = False, acknowledge_address_change: bool = False, box_size: str = "",
    user: User | None = None, shortage: str = "",
) -> PrintPlan:
    """Prepare labels for `packages`: packages without a number get one from `contract` (default: the
    company's default contract) in one all-or-nothing issue; packages with a number keep it (reprint).
    Packages with a cancelled or held order, or (unless acknowledged) a changed address, are skipped
    with a reason. With `move_to_ready` the orders move to 출고준비 (orders the flow refuses are named
    in the package's result; the label still prints). Packages whose stock cannot be deducted
    (`packages_shortages`) need a decision: `shortage` "print" prints them anyway, "skip" leaves them
    out, "" (no decision yet) leaves them out with a result asking for one."""
    plan = PrintPlan()
    if shortage not in SHORTAGE_DECISIONS:
        raise ShippingError(_("재고 부족 포장의 처리 방법을 고르세요 (그래도 출력 / 제외)."))
    for p in packages:
        _check_company(company, p)
    if box_size and box_size not in {code for code, _label in BOX_SIZES}:
        raise ShippingError(_("알 수 없는 박스 크기 '%(code)s'입니다.") % {"code": box_size})
    contract = contract or selectors.default_contract(company)
    if contract is not None and contract.company_id != company.pk:
        raise ShippingError(_("택배 계약을 찾을 수 없습니다."))
    rows = {p.pk: p for p in selectors.packages(company).filter(pk__in=[p.pk for p in packages])}
    ordered = [rows[p.pk] for p in packages if p.pk in rows]
    members: dict[int, list[Order]] = defaultdict(list)
    for m in PackageOrder.objects.filter(company=company, package__in=list(rows)).select_related("order"):
        members[m.package_id].append(m.order)
    changed = {p.pk for p, _orders in address_changed_packages(company, ordered)}
    short = packages_shortages(company, [p for p in ordered if p.status in LIVE and p.method == PackageMethod.PARCEL])
    todo = _printable(plan, ordered, members, changed=changed, short=short, shortage=shortage,
                      acknowledge_address_change=acknowledge_address_change)
    if not todo:
        return plan
    now = timezone.now()
    with transaction.atomic():
        # lock the packages: two simultaneous prints of one package never issue two numbers
        current = {row.pk: row for row in Package.objects.select_for_update(of=("self",)).filter(
            company=company, pk__in=[p.pk for p in todo]).select_related("tracking").order_by("id")}
        for p in todo:
            row = current[p.pk]
            p.tracking, p.tracking_number, p.print_count = row.tracking, row.tracking_number, row.print_count
            p.printed_at, p.contract_id, p.carrier_id = row.printed_at, row.contract_id, row.carrier_id
        moved_back = _moved_back_since_print(company, [p for p in todo if p.tracking_number], members)
        new = [p for p in todo if not p.tracking_number or p.pk in moved_back]
        if new and contract is None:
            raise ShippingError(_("기본 택배 계약이 없습니다. [택배사 연동설정]에서 계약을 등록하거나 출력할 계약을 선택하세요."))
        for p in new:
            if p.tracking_number:  # its orders were moved back after the last print: a new number
                _void_number(company, p, _("주문 되돌림으로 재발번"))
        if new:
            numbers = label_service_for(company=company, contract=contract).issue(
                [LabelRequest(reference=f"package:{p.pk}", box_size=box_size or p.box_size) for p in new])
            issued = {n.number: n for n in IssuedTrackingNumber.objects.filter(
                company=company, carrier=contract.carrier, number__in=numbers)}
            for p, number in zip(new, numbers, strict=True):
                p.contract, p.carrier = contract, contract.carrier
                p.tracking = tracking_number_mark_used(company=company, number=issued[number],
                                                       reference=f"package:{p.pk}")
                p.tracking_number = number
                plan.issued += 1
        for p in todo:
            if p.print_count and p not in new:
                plan.reprinted += 1
            p.status = PackageStatus.PRINTED
            p.print_count += 1
            p.printed_at = now
            if box_size:
                p.box_size = box_size
            p.save(update_fields=["contract", "carrier", "tracking", "tracking_number", "status", "print_count",
                                  "printed_at", "box_size"])
        failures: dict[int, str] = {}
        if move_to_ready:
            confirmed = [o for p in todo for o in members[p.pk] if o.status == OrderStatus.CONFIRMED]
            failures = orders_transition(company=company, orders=confirmed, to=OrderStatus.READY, user=user,
                                         reason=_("운송장 출력"))
    _print_rows(plan, todo, new, members, failures)
    return plan


def _printable(plan: PrintPlan, ordered: list[Package], members: dict[int, list[Order]], *, changed: set[int],
               short: dict, shortage: str, acknowledge_address_change: bool) -> list[Package]:
    """The packages `packages_print` may print; each one it may not gets a result saying why."""
    todo: list[Package] = []
    for p in ordered:
        orders = members[p.pk]
        if p.status not in LIVE or p.method != PackageMethod.PARCEL:
            plan.rows.append(RowResult(p.code, False, _("출력할 수 없는 포장입니다 (%(status)s, %(method)s).")
                                       % {"status": p.get_status_display(), "method": p.get_method_display()}))
        elif not orders:
            plan.rows.append(RowResult(p.code, False, _("주문이 없는 포장입니다.")))
        elif stopped := [o for o in orders if o.status not in SHIPPABLE_STATUSES]:
            plan.rows.append(RowResult(p.code, False, _("주문 %(no)s이(가) %(status)s 상태라 출력하지 않았습니다.")
                                       % {"no": stopped[0].channel_order_id, "status": stopped[0].get_status_display()}))
        elif claimed := [o for o in orders if o.claim]:
            plan.rows.append(RowResult(p.code, False, claim_message(claimed[0], _("운송장을 출력"))))
        elif p.pk in changed and not acknowledge_address_change:
            plan.rows.append(RowResult(p.code, False, _("수집 후 주소가 변경된 주문이 있습니다. 주소를 확인하고 '주소 변경 확인'을 선택하세요.")))
        elif p.pk in short and shortage != "print":
            what = "; ".join(s.text for s in short[p.pk][:3])
            plan.rows.append(RowResult(p.code, False, (
                _("재고 부족으로 제외했습니다: %(what)s") if shortage == "skip" else
                _("재고가 부족해 출고준비(재고차감)를 할 수 없습니다: %(what)s — '그래도 출력' 또는 '제외'를 고르세요."))
                % {"what": what}))
        else:
            todo.append(p)
    return todo


def _print_rows(plan: PrintPlan, todo: list[Package], new: list[Package], members: dict[int, list[Order]],
                failures: dict[int, str]) -> None:
    """One result per printed package (first print, new number or reprint; orders not moved to 출고준비)."""
    for p in todo:
        failed = [f"{o.channel_order_id}: {failures[o.pk]}" for o in members[p.pk] if o.pk in failures]
        if failed:
            plan.rows.append(RowResult(p.code, True, _("출력했지만 출고준비로 바꾸지 못한 주문: %(list)s")
                                       % {"list": "; ".join(failed)}))
        else:
            if p.print_count == 1:
                message = _("출력")
            elif p in new:
                message = _("새 송장번호로 출력 (이전 번호 폐기)")
            else:
                message = _("재출력 (송장번호 유지)")
            plan.rows.append(RowResult(p.code, True, message))
        plan.packages.append(p)


# --- moving back ----------------------------------------------------------------------------------


@transaction.atomic
def packages_reopen(*, company: Company, orders: Sequence[Order], reason: str = "") -> list[Package]:
    """After orders were moved back (출고준비 → 주문확정): their printed packages reopen and their
    tracking numbers are voided, so the next print issues a new number. Idempotent."""
    reopened = []
    ids = PackageOrder.objects.filter(company=company, order__in=[o.pk for o in orders]).values("package_id")
    for package in Package.objects.select_for_update().filter(company=company, pk__in=ids,
                                                              status=PackageStatus.PRINTED).order_by("id"):
        _void_number(company, package, reason or _("주문 되돌림으로 재발번"))
        package.status = PackageStatus.OPEN
        package.save(update_fields=["tracking", "tracking_number", "status"])
        reopened.append(package)
    return reopened


def packages_move_back(*, company: Company, packages: Sequence[Package], user: User | None = None,
                       reason: str = "") -> list[RowResult]:
    """출고준비 → 주문확정 for the packages' orders (through the order flow), then void their numbers
    so the next print issues new ones."""
    rows: list[RowResult] = []
    for p in packages:
        _check_company(company, p)
        if p.status != PackageStatus.PRINTED:
            rows.append(RowResult(p.code, False, _("운송장을 출력한 포장만 되돌릴 수 있습니다.")))
            continue
        orders = list(selectors.package_orders(company, p))
        with transaction.atomic():
            ready = [o for o in orders if o.status == OrderStatus.READY]
            failures = orders_transition(company=company, orders=ready, to=OrderStatus.CONFIRMED, user=user,
                                         reason=reason or _("운송장 재발번을 위해 되돌림"))
            if failures:
                transaction.set_rollback(True)
                rows.append(RowResult(p.code, False, "; ".join(failures.values())))
                continue
            packages_reopen(company=company, orders=orders, reason=reason)
        rows.append(RowResult(p.code, True, _("주문확정으로 되돌리고 송장번호 %(number)s을(를) 폐기했습니다.")
                              % {"number": p.tracking_number}))
    return rows


# --- shipping ---------------------------------------------------------------------------------------


def _ship(company: Company, package: Package, user: User | None, reason: str) -> dict[int, str]:
    """Orders → 출고준비 (if needed) → 출고완료 through the order flow; {order id: error} if refused."""
    orders = list(selectors.package_orders(company, package))
    confirmed = [o for o in orders if o.status == OrderStatus.CONFIRMED]
    failures = orders_transition(company=company, orders=confirmed, to=OrderStatus.READY, user=user, reason=reason)
    if failures:
        return failures
    orders = list(selectors.package_orders(company, package).filter(status=OrderStatus.READY))
    return orders_transition(company=company, orders=orders, to=OrderStatus.SHIPPED, user=user, reason=reason,
                             package=package)


def package_mark_shipped(*, company: Company, package: Package, user: User | None = None, reason: str = "") -> Package:
    """출고완료: the package leaves (after its scan check). All orders must move, or nothing does."""
    _check_company(company, package)
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk, company=company)
        if package.status != PackageStatus.PRINTED:
            raise ShippingError(_("운송장을 출력한 포장만 출고할 수 있습니다 (현재 %(status)s).")
                                % {"status": package.get_status_display()})
        package.status = PackageStatus.SHIPPED
        package.shipped_at = timezone.now()
        package.save(update_fields=["status", "shipped_at"])
        failures = _ship(company, package, user, reason or _("출고검수 완료"))
        if failures:
            raise ShippingError(_("주문 상태를 출고완료로 바꾸지 못했습니다: %(list)s") % {"list": "; ".join(failures.values())})
    return package


def package_handover(*, company: Company, package: Package, method: str, handover_date: date,
                     user: User | None = None) -> Package:
    """방문수령 / 직접배송: the package ships without a carrier number; the date is recorded instead
    (a number already issued to it is voided)."""
    _check_company(company, package)
    if method not in (PackageMethod.VISIT, PackageMethod.DIRECT):
        raise ShippingError(_("방문수령 또는 직접배송을 선택하세요."))
    if handover_date is None:
        raise ShippingError(_("인도일을 입력하세요."))
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk, company=company)
        if package.status not in LIVE:
            raise ShippingError(_("이미 출고했거나 해체된 포장입니다 (%(status)s).") % {"status": package.get_status_display()})
        stopped = selectors.package_orders(company, package).exclude(status__in=SHIPPABLE_STATUSES).first()
        if stopped is not None:
            raise ShippingError(_("주문 %(no)s이(가) %(status)s 상태입니다.")
                                % {"no": stopped.channel_order_id, "status": stopped.get_status_display()})
        if package.tracking_id:
            _void_number(company, package, PackageMethod(method).label)
        package.method = method
        package.handover_date = handover_date
        package.carrier = None
        package.contract = None
        package.status = PackageStatus.SHIPPED
        package.shipped_at = timezone.now()
        package.save(update_fields=["method", "handover_date", "carrier", "contract", "tracking", "tracking_number",
                                    "status", "shipped_at"])
        failures = _ship(company, package, user, PackageMethod(method).label)
        if failures:
            raise ShippingError(_("주문 상태를 출고완료로 바꾸지 못했습니다: %(list)s") % {"list": "; ".join(failures.values())})
    return package
