"""출고검수 (SHP-6): scan a package's tracking number, then the barcodes of what goes in the box.

Each read is checked against the package's expected SKUs (order lines net of cancellations, sets
expanded to their components) and kept as a `PackageScan`:
- a barcode of a SKU that is not in the package (or no SKU at all) → 오상품 (wrong item);
- a SKU already scanned as many times as expected → 초과 (extra);
- completing with fewer reads than expected → 누락 (missing);
- an order of the package cancelled or held after its label was printed, or one the buyer asked to
  cancel, return or exchange at the marketplace (a pending claim) → 출고중지 (stop).
None of these complete the package. When every expected unit has been read (and no order stopped),
the package completes to 출고완료 through the order flow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.core.models import Company, User
from marketdock.orders.models import STOPPED_STATUSES, Order, OrderLine

from . import selectors
from .models import Package, PackageScan, PackageStatus
from .services import ShippingError
from .services_packages import package_items, package_mark_shipped, packages_unship


@dataclass
class ScanLine:
    sku_id: int
    code: str
    barcode: str
    name: str
    expected: int
    scanned: int = 0

    @property
    def done(self) -> bool:
        return self.scanned >= self.expected


@dataclass
class ScanState:
    package: Package
    lines: list[ScanLine] = field(default_factory=list)
    unmatched: list[OrderLine] = field(default_factory=list)  # lines without SKUs: no barcode to check
    stopped: list[Order] = field(default_factory=list)

    @property
    def missing(self) -> list[ScanLine]:
        return [ln for ln in self.lines if not ln.done]

    @property
    def expected_total(self) -> int:
        return sum(ln.expected for ln in self.lines)

    @property
    def scanned_total(self) -> int:
        return sum(min(ln.scanned, ln.expected) for ln in self.lines)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.stopped


@dataclass
class ScanOutcome:
    """What the station shows after a read. `kind`: ok, wrong, extra, missing, stopped, not_found,
    status (the package cannot be checked), shipped (completed to 출고완료)."""

    kind: str
    message: str
    state: ScanState | None = None

    @property
    def alarm(self) -> bool:
        return self.kind not in ("ok", "shipped", "opened")


def _fresh(company: Company, package: Package) -> Package:
    """The package as it is now (another screen may have printed or shipped it meanwhile)."""
    if package.company_id != company.pk:
        raise ShippingError(_("포장을 찾을 수 없습니다."))
    return selectors.package_get(company, package.pk)


def scan_state(company: Company, package: Package) -> ScanState:
    state = ScanState(package=package)
    expected: dict[int, int] = defaultdict(int)
    for item in package_items(company, package):
        if not item.skus:
            state.unmatched.append(item.line)
        for sku_id, units in item.skus:
            expected[sku_id] += units
    scanned = dict(PackageScan.objects.filter(company=company, package=package, result=PackageScan.Result.OK)
                   .values("sku_id").annotate(n=Count("id")).values_list("sku_id", "n")) if expected else {}
    skus = SKU.objects.filter(company=company, pk__in=list(expected)).select_related("product")
    for sku in sorted(skus, key=lambda s: (s.product.name, s.option_text, s.pk)):
        state.lines.append(ScanLine(sku_id=sku.pk, code=sku.code, barcode=sku.barcode, name=sku.display_name,
                                    expected=expected[sku.pk], scanned=scanned.get(sku.pk, 0)))
    state.stopped = list(selectors.package_orders(company, package).filter(Q(status__in=STOPPED_STATUSES) | ~Q(claim="")))
    return state


def _stopped_message(state: ScanState) -> str:
    claimed = [o for o in state.stopped if o.claim and o.status not in STOPPED_STATUSES]
    if claimed:
        return _("출고 중지! 구매자가 쇼핑몰에 요청한 주문이 있습니다. 상자를 보내지 마세요: %(list)s") % {
            "list": ", ".join(f"{o.channel_order_id} ({o.get_claim_display()})" for o in claimed)}
    return _("출고 중지! 출력 후 주문이 취소/보류되었습니다: %(list)s") % {
        "list": ", ".join(f"{o.channel_order_id} ({o.get_status_display()})" for o in state.stopped)}


def scan_open(*, company: Company, number: str) -> ScanOutcome:
    """The package of a scanned tracking number, ready for item reads."""
    package = selectors.package_by_number(company, number)
    if package is not None and package.status == PackageStatus.SHIPPED and packages_unship(
            company=company, packages=[package]):
        package = selectors.package_get(company, package.pk)  # its orders were moved back: check again
    if package is None:
        return ScanOutcome("not_found", _("송장번호 %(number)s의 포장을 찾을 수 없습니다.") % {"number": number.strip()})
    state = scan_state(company, package)
    if package.status != PackageStatus.PRINTED:
        return ScanOutcome("status", _("이미 %(status)s 상태인 포장입니다.") % {"status": package.get_status_display()},
                           state)
    if state.stopped:
        return ScanOutcome("stopped", _stopped_message(state), state)
    return ScanOutcome("opened", _("상품 바코드를 스캔하세요 (%(n)s개).") % {"n": state.expected_total}, state)


def scan_item(*, company: Company, package: Package, barcode: str, user: User | None = None) -> ScanOutcome:
    """Check one barcode read against the package; completes the package when it was the last unit."""
    package = _fresh(company, package)
    barcode = (barcode or "").strip()
    state = scan_state(company, package)
    if package.status != PackageStatus.PRINTED:
        return ScanOutcome("status", _("이미 %(status)s 상태인 포장입니다.") % {"status": package.get_status_display()},
                           state)
    if state.stopped:
        return ScanOutcome("stopped", _stopped_message(state), state)
    if not barcode:
        return ScanOutcome("wrong", _("바코드가 비어 있습니다."), state)
    sku = SKU.objects.filter(company=company, barcode=barcode).select_related("product").first()
    line = next((ln for ln in state.lines if sku is not None and ln.sku_id == sku.pk), None)
    user = user if user is not None and user.pk else None
    if line is None:
        PackageScan.objects.create(company=company, package=package, sku=sku, barcode=barcode[:60],
                                   result=PackageScan.Result.WRONG, user=user)
        what = sku.display_name if sku is not None else _("등록되지 않은 바코드")
        return ScanOutcome("wrong", _("오상품! %(what)s (%(barcode)s)은(는) 이 포장의 상품이 아닙니다.")
                           % {"what": what, "barcode": barcode}, state)
    if line.done:
        PackageScan.objects.create(company=company, package=package, sku=sku, barcode=barcode[:60],
                                   result=PackageScan.Result.EXTRA, user=user)
        return ScanOutcome("extra", _("수량 초과! %(name)s은(는) %(n)s개만 들어갑니다. 하나를 빼세요.")
                           % {"name": line.name, "n": line.expected}, state)
    PackageScan.objects.create(company=company, package=package, sku=sku, barcode=barcode[:60],
                               result=PackageScan.Result.OK, user=user)
    line.scanned += 1
    if state.complete and not state.unmatched:
        return scan_complete(company=company, package=package, user=user)
    return ScanOutcome("ok", _("%(name)s %(done)s/%(n)s") % {"name": line.name, "done": line.scanned,
                                                             "n": line.expected}, state)


def scan_complete(*, company: Company, package: Package, user: User | None = None,
                  confirm_unmatched: bool = False) -> ScanOutcome:
    """출고완료 when every expected unit was read (lines without a SKU need `confirm_unmatched`)."""
    package = _fresh(company, package)
    state = scan_state(company, package)
    if package.status != PackageStatus.PRINTED:
        return ScanOutcome("status", _("이미 %(status)s 상태인 포장입니다.") % {"status": package.get_status_display()},
                           state)
    if state.stopped:
        return ScanOutcome("stopped", _stopped_message(state), state)
    if state.missing:
        return ScanOutcome("missing", _("누락! 아직 스캔하지 않은 상품: %(list)s") % {
            "list": ", ".join(f"{ln.name} {ln.expected - ln.scanned}개" for ln in state.missing)}, state)
    if state.unmatched and not confirm_unmatched:
        return ScanOutcome("missing", _("바코드가 없는 상품을 눈으로 확인하고 '확인 후 출고완료'를 누르세요: %(list)s") % {
            "list": ", ".join(ln.product_name[:40] for ln in state.unmatched)}, state)
    try:
        package = package_mark_shipped(company=company, package=package, user=user, reason=_("출고검수 완료"))
    except ShippingError as exc:
        return ScanOutcome("status", str(exc), scan_state(company, package))
    state.package = package
    return ScanOutcome("shipped", _("검수 완료 — %(code)s 출고완료") % {"code": package.tracking_number or package.code},
                       state)


def scan_reset(*, company: Company, package: Package) -> None:
    """Start the package's check over (e.g. after the box was repacked)."""
    package = _fresh(company, package)
    PackageScan.objects.filter(company=company, package=package).delete()
