"""입고검수 of returned goods (CS-1): per SKU how many units are 정상 재입고, 불량 or 폐기.

Only 정상 재입고 puts stock back: one `return` movement per SKU into the chosen warehouse, referenced
to the claim (reference type "claim", id the claim's pk). 불량 and 폐기 are recorded on the claim
(`ClaimInspection`) and add nothing. The SKUs expected are the physical SKUs of the claimed quantity
of the line (sets expanded), and no SKU may be judged for more units than came back. A return is
then 완료 — and, for a claim collected from a marketplace that has a last step for returns
(`Capabilities.return_completion`), that step (ClaimAction.COMPLETE) is queued for it in the same
transaction; an exchange goes on to its replacement (`exchange.reship_start`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.catalog.selectors import set_components
from marketdock.channels.connectors.cs_models import ClaimAction
from marketdock.core.models import Company, User
from marketdock.inventory.models import Warehouse
from marketdock.inventory.services import StockError, StockLine, stock_return
from marketdock.orders.services import component_units, line_components
from marketdock.orders.services.effects import channel_capability

from ..models import Claim, ClaimEventKind, ClaimInspection, ClaimStatus, ClaimType, InspectionOutcome
from . import exchange
from .decisions import _run, tells_marketplace
from .effects import claim_decision_enqueue
from .flow import ClaimError, ClaimOutcome, claim_event, claim_move

OUTCOMES = tuple(InspectionOutcome.values)


@dataclass
class InspectionItem:
    sku: SKU
    expected: int


def inspection_items(company: Company, claim: Claim) -> list[InspectionItem]:
    """The physical SKUs (× units) that come back for the claimed quantity of the line."""
    line = claim.line
    comps = line_components(company, [line]).get(line.pk, [])
    sets = set_components(company, {sku_id for sku_id, _u in comps})
    units: dict[int, int] = defaultdict(int)
    for sku_id, line_units in comps:
        n = component_units(line, line_units, claim.quantity)
        for physical, per in sets.get(sku_id, [(sku_id, 1)]):
            units[physical] += n * per
    skus = SKU.objects.filter(company=company, pk__in=list(units)).select_related("product")
    return [InspectionItem(s, units[s.pk]) for s in sorted(skus, key=lambda s: (s.code, s.pk))]


def _validate(items: list[InspectionItem], counts: Mapping[int, Mapping[str, int]]) -> list[tuple[SKU, str, int]]:
    if not items:
        raise ClaimError(_("매칭되지 않은 주문상품이라 검수할 SKU가 없습니다. 먼저 상품을 매칭하세요."))
    rows: list[tuple[SKU, str, int]] = []
    by_id = {i.sku.pk: i for i in items}
    unknown = set(counts) - set(by_id)
    if unknown:
        raise ClaimError(_("이 클레임의 상품이 아닌 SKU가 있습니다."))
    for item in items:
        given = counts.get(item.sku.pk, {})
        total = 0
        for outcome in OUTCOMES:
            qty = given.get(outcome, 0)
            if not isinstance(qty, int) or qty < 0:
                raise ClaimError(_("%(sku)s: 수량은 0 이상의 정수로 입력하세요.") % {"sku": item.sku.code})
            total += qty
            if qty:
                rows.append((item.sku, outcome, qty))
        if total > item.expected:
            raise ClaimError(_("%(sku)s: 검수 수량 합계 %(n)s개가 회수 수량 %(max)s개보다 많습니다.") % {
                "sku": item.sku.code, "n": total, "max": item.expected})
    if not rows:
        raise ClaimError(_("검수 결과를 한 개 이상 입력하세요."))
    return rows


def _completes_at_marketplace(claim: Claim) -> bool:
    """The claim's marketplace is told the return is done once its goods are in (its connector says it
    has such a step)."""
    return (claim.type == ClaimType.RETURN and tells_marketplace(claim)
            and channel_capability(claim.account, "claim_decisions", False)
            and channel_capability(claim.account, "return_completion", False))


def claim_inspect(*, company: Company, claim: Claim, counts: Mapping[int, Mapping[str, int]],
                  warehouse: Warehouse | None, user: User | None, note: str = "") -> ClaimOutcome:
    """Record 입고검수 (`counts`: {sku id: {outcome: units}}); 정상 재입고 goes back on hand in `warehouse`."""
    def step(locked: Claim) -> str:
        if locked.status != ClaimStatus.INSPECTING:
            raise ClaimError(_("입고검수 상태의 클레임만 검수할 수 있습니다 (현재 %(s)s).") % {
                "s": locked.get_status_display()})
        rows = _validate(inspection_items(company, locked), counts)
        restock = [(sku, qty) for sku, outcome, qty in rows if outcome == InspectionOutcome.RESTOCK]
        if restock and (warehouse is None or warehouse.company_id != company.pk):
            raise ClaimError(_("정상 재입고할 창고를 선택하세요."))
        ClaimInspection.objects.bulk_create([
            ClaimInspection(company=company, claim=locked, sku=sku, quantity=qty, outcome=outcome,
                            warehouse=warehouse if outcome == InspectionOutcome.RESTOCK else None,
                            note=note[:300], user=user if user is not None and user.pk else None)
            for sku, outcome, qty in rows])
        if restock:
            try:
                stock_return(company=company, user=user, reason=_("반품 입고검수 정상 재입고"), lines=[
                    StockLine(sku.pk, warehouse.pk, qty, ("claim", locked.pk)) for sku, qty in restock])
            except StockError as exc:
                raise ClaimError(str(exc)) from None
        summary = ", ".join(f"{sku.code} {InspectionOutcome(outcome).label} {qty}" for sku, outcome, qty in rows)
        claim_event(locked, ClaimEventKind.INSPECTED, summary, user)
        if locked.type == ClaimType.EXCHANGE:
            text = exchange.reship_start(locked, user)
            claim_move(locked, ClaimStatus.RESHIPPING, user=user)
            return _("검수했습니다. %(what)s") % {"what": text}
        claim_move(locked, ClaimStatus.COMPLETED, user=user)
        if _completes_at_marketplace(locked):
            claim_decision_enqueue(claim=locked, action=ClaimAction.COMPLETE, memo=note[:300])
        return _("검수를 마쳤습니다: %(what)s") % {"what": summary}

    with transaction.atomic():
        return _run(company, [claim], step)[0]
