"""Claims collected from a marketplace → `Claim` rows (idempotent, one page at a time).

- Unique per company + account + the marketplace's claim id: collecting the same claim again updates
  it (or counts it unchanged), never duplicates it.
- A claim is linked to its `OrderLine` by the marketplace's line id. A claim whose line is not
  collected yet is not lost: it waits in `ClaimQuarantine` (field `WAITING_FIELD`) and every later run
  of the account links it once the order has arrived (the run also asks for an order collection).
- A record the connector could not read is quarantined with its payload and counted on the run.
- Our `ClaimStatus` follows the marketplace's progress forward only and never contradicts it: the
  move is `channel.claim_follow_channel` (the same moves and consequences as our own decisions, so a
  cancel the marketplace completed gives its stock back exactly once, and a return it completed stops
  at 입고검수). A status we reached ahead of the marketplace (an approval on its way) stays; 보류 and
  its release follow the marketplace both ways. `claim_status_for` / `claim_status_next` remain as
  the table of where a progress leads (reads, the benchmark).
- A new claim gets its reason class, the company's 담당자 rules and the `claim_created` hook (saas
  webhooks) in the same transaction.
- `ClaimEvent`: COLLECTED on create; CHANNEL_STATUS on each change of the marketplace's status, and
  STATUS when ours moves with it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from marketdock.channels.connectors.cs_models import ChannelClaim, ClaimKind, ClaimProgress
from marketdock.channels.connectors.models import RecordError
from marketdock.channels.models import ChannelAccount
from marketdock.orders.hooks import carrier_keys_for
from marketdock.orders.models import OrderLine

from .. import hooks
from ..models import (
    CLOSED_CLAIM_STATUSES,
    Claim,
    ClaimEvent,
    ClaimEventKind,
    ClaimQuarantine,
    ClaimRun,
    ClaimSource,
    ClaimStatus,
)
from .assignment import assign_new
from .channel import claim_follow_channel
from .flow import claim_move
from .reasons import classify_reason

WAITING_FIELD = "order_line"  # ClaimQuarantine.field of a claim waiting for its order line

# THE table: how far the marketplace took a claim → our status
CLAIM_STATUS_FOR_PROGRESS: dict[ClaimProgress, ClaimStatus] = {
    ClaimProgress.REQUESTED: ClaimStatus.REQUESTED,
    ClaimProgress.HELD: ClaimStatus.HELD,
    ClaimProgress.APPROVED: ClaimStatus.APPROVED,
    ClaimProgress.COLLECTING: ClaimStatus.COLLECTING,
    ClaimProgress.COLLECTED: ClaimStatus.INSPECTING,  # back at the seller: 입고검수 next
    ClaimProgress.RESHIPPED: ClaimStatus.RESHIPPING,
    ClaimProgress.COMPLETED: ClaimStatus.COMPLETED,
    ClaimProgress.REJECTED: ClaimStatus.REJECTED,
    ClaimProgress.WITHDRAWN: ClaimStatus.WITHDRAWN,
}
# a return the marketplace finished (refunded) still waits for our 입고검수, which completes it
CLAIM_STATUS_OVERRIDES: dict[tuple[ClaimKind, ClaimProgress], ClaimStatus] = {
    (ClaimKind.RETURN, ClaimProgress.COMPLETED): ClaimStatus.INSPECTING,
}
# how far along our flow a status is (forward only); REQUESTED and HELD are the same step
STATUS_RANK: dict[str, int] = {
    ClaimStatus.REQUESTED: 0, ClaimStatus.HELD: 0, ClaimStatus.APPROVED: 1, ClaimStatus.COLLECTING: 2,
    ClaimStatus.INSPECTING: 3, ClaimStatus.RESHIPPING: 4, ClaimStatus.COMPLETED: 5, ClaimStatus.REJECTED: 5,
    ClaimStatus.WITHDRAWN: 5,
}


def claim_status_for(kind: ClaimKind | str, progress: ClaimProgress | str) -> ClaimStatus:
    """Our status for the marketplace's progress of a claim of `kind`."""
    progress = ClaimProgress(progress)
    return CLAIM_STATUS_OVERRIDES.get((ClaimKind(kind), progress), CLAIM_STATUS_FOR_PROGRESS[progress])


def claim_status_next(current: str, kind: ClaimKind | str, progress: ClaimProgress | str) -> str:
    """Where our status goes when the marketplace reports `progress`: forward only, 보류 both ways,
    nothing after a closed status."""
    target = claim_status_for(kind, progress)
    if current == target or current in CLOSED_CLAIM_STATUSES:
        return current
    if target == ClaimStatus.HELD or current == ClaimStatus.HELD:
        return target
    return target if STATUS_RANK[target] > STATUS_RANK[current] else current


def claim_payload_hash(claim: ChannelClaim) -> str:
    data = claim.model_dump(mode="json", exclude={"raw"})
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class IngestCounts:
    seen: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    waiting: int = 0
    linked_ids: list[str] = field(default_factory=list)


def _values(claim: ChannelClaim, carriers: dict[str, str]) -> dict:
    return {
        "type": claim.kind.value, "quantity": claim.quantity, "raw_status": claim.raw_status[:60],
        "channel_progress": claim.progress.value, "requester": claim.requester.value,
        "reason_code": claim.reason_code[:60], "reason_text": claim.reason_text[:1000], "currency": claim.currency,
        "refund_amount": claim.refund_amount, "return_shipping_fee": claim.return_shipping_fee,
        "return_fee_payer": claim.return_fee_payer.value,
        "collect_carrier_key": carriers.get(claim.collect_carrier_code, ""),
        "collect_tracking_number": claim.collect_tracking_number[:30],
        "exchange_option_text": claim.exchange_option_text[:300], "requested_at": claim.requested_at,
        "completed_at": claim.completed_at, "raw": claim.raw, "payload_hash": claim_payload_hash(claim),
    }


def _quarantine(account: ChannelAccount, run: ClaimRun, errors: Sequence[RecordError]) -> list[ClaimQuarantine]:
    return [ClaimQuarantine(company=account.company, account=account, run=run,
                            record_id=(e.order_line_id or str(e.raw.get("id") or "") or e.order_id)[:120],
                            field=e.field[:200], message=e.message[:500], raw=e.raw) for e in errors]


def _waiting_claims(account: ChannelAccount) -> dict[str, tuple[int, ChannelClaim]]:
    """Claims of earlier runs still waiting for their order line: claim id → (row pk, claim)."""
    found: dict[str, tuple[int, ChannelClaim]] = {}
    rows = ClaimQuarantine.objects.filter(company=account.company, account=account, field=WAITING_FIELD)
    for pk, raw in rows.values_list("pk", "raw"):
        try:
            claim = ChannelClaim.model_validate((raw or {}).get("claim") or {})
        except ValidationError:
            continue
        found[claim.claim_id] = (pk, claim)
    return found


def channel_claims_ingest(*, account: ChannelAccount, claims: Sequence[ChannelClaim], run: ClaimRun,
                          errors: Sequence[RecordError] = (), retry_waiting: bool = False) -> IngestCounts:
    """Upsert one page of claims (call inside a transaction). `retry_waiting`: also link the claims
    of earlier runs that waited for their order line."""
    counts = IngestCounts(seen=len(claims))
    company = account.company
    waiting = _waiting_claims(account) if retry_waiting else {}
    page: dict[str, ChannelClaim] = {c.claim_id: c for c in waiting_values(waiting)}
    page.update({c.claim_id: c for c in claims})  # the newest word on a claim wins
    rows = _quarantine(account, run, errors)
    counts.quarantined = len(rows)
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(
        company=company, account=account, channel_line_id__in={c.order_line_id for c in page.values()}
    ).select_related("order")}
    existing = {c.channel_claim_id: c for c in Claim.objects.filter(
        company=company, account=account, channel_claim_id__in=list(page))}
    carriers = carrier_keys_for(account.kind, {c.collect_carrier_code for c in page.values()})
    now = timezone.now()
    events: list[ClaimEvent] = []
    follow: list[tuple[Claim, ClaimChange]] = []
    for claim_id, claim in page.items():
        line = lines.get(claim.order_line_id)
        if line is None and claim_id not in existing:
            counts.waiting += 1  # its waiting row is written anew with the newest word on it
            rows.append(ClaimQuarantine(
                company=company, account=account, run=run, record_id=claim_id[:120], field=WAITING_FIELD,
                message=_("주문이 아직 수집되지 않아 주문 수집 뒤 다시 연결합니다: %(line)s")
                % {"line": claim.order_line_id}, raw={"claim": claim.model_dump(mode="json")}))
            continue
        counts.linked_ids.append(claim_id)
        values = _values(claim, carriers)
        row = existing.get(claim_id) or _adoptable(account, line, claim)
        if row is not None and not row.channel_claim_id:  # our own claim (seller cancel, typed in) meets its twin
            events.append(_adopt(row, claim_id, now))
            existing[claim_id] = row
            row.payload_hash = ""
        if row is None:
            row, event = _create(account, run, claim, line, values, now)
            events.append(event)
            follow.append((row, ClaimChange(claim.progress.value, "", created=True)))
            counts.created += 1
        elif row.payload_hash == values["payload_hash"]:
            counts.unchanged += 1
        else:
            before = row.channel_progress
            events.extend(_update(row, claim, values, now))
            follow.append((row, ClaimChange(claim.progress.value, before)))
            counts.updated += 1
    # the waiting rows of every claim of this page are replaced (linked now, or written anew above)
    ClaimQuarantine.objects.filter(company=company, account=account, field=WAITING_FIELD,
                                   record_id__in=[cid[:120] for cid in page]).delete()
    ClaimQuarantine.objects.bulk_create(rows)
    ClaimEvent.objects.bulk_create(events)
    created = [row for row, change in follow if change.created]
    if created:
        assign_new(company, claims=created)  # CS-3: the company's 담당자 rules, if any
        hooks.claim_created(company, [row.pk for row in created])
    for row, change in follow:
        _follow(row, change)
    return counts


@dataclass(frozen=True)
class ClaimChange:
    progress: str  # the marketplace's progress now
    before: str  # its progress before this collection ("" for a new claim)
    created: bool = False


def _follow(row: Claim, change: ClaimChange) -> None:
    """Our claim follows the marketplace: forward through the flow (consequences included), and back
    from 보류 to 요청 when the marketplace released its hold."""
    if change.progress == ClaimProgress.REQUESTED and change.before == ClaimProgress.HELD:
        if row.status == ClaimStatus.HELD:
            with transaction.atomic():
                claim_move(row, ClaimStatus.REQUESTED, user=None, note=_("쇼핑몰에서 보류 해제됨"))
        return
    claim_follow_channel(company=row.company, claim=row, progress=change.progress)


def _adoptable(account: ChannelAccount, line: OrderLine | None, claim: ChannelClaim) -> Claim | None:
    """A claim of ours on the same line and of the same type the marketplace does not know by id yet
    (a seller cancel or a claim typed in by hand): the collected claim is that one, not a new one."""
    if line is None:
        return None
    return Claim.objects.filter(company=account.company, account=account, line=line, type=claim.kind.value,
                                channel_claim_id="").order_by("id").first()


def _adopt(row: Claim, claim_id: str, now) -> ClaimEvent:
    row.channel_claim_id = claim_id
    return ClaimEvent(company_id=row.company_id, claim=row, kind=ClaimEventKind.CHANNEL_STATUS, new_value=claim_id[:100],
                      created_at=now, message=_("쇼핑몰 클레임번호가 연결되었습니다: %(id)s") % {"id": claim_id})


def waiting_values(waiting: dict[str, tuple[int, ChannelClaim]]) -> list[ChannelClaim]:
    return [claim for _pk, claim in waiting.values()]


def _create(account: ChannelAccount, run: ClaimRun, claim: ChannelClaim, line: OrderLine, values: dict,
            now) -> tuple[Claim, ClaimEvent]:
    """A new claim starts at 요청; `_follow` then takes it as far as the marketplace already did."""
    status = ClaimStatus.REQUESTED
    row = Claim.objects.create(
        company=account.company, order=line.order, line=line, account=account, channel_claim_id=claim.claim_id,
        status=status, source=ClaimSource.CHANNEL, created_run=run, created_at=now, updated_at=now,
        decided_at=claim.decided_at, reason_class=classify_reason(account.kind, claim.reason_code, claim.reason_text),
        **values)
    return row, ClaimEvent(company=account.company, claim=row, kind=ClaimEventKind.COLLECTED, new_value=status,
                           message=_("쇼핑몰에서 클레임을 수집했습니다 (%(raw)s)") % {"raw": claim.raw_status},
                           created_at=now)


def _update(row: Claim, claim: ChannelClaim, values: dict, now) -> list[ClaimEvent]:
    events = []
    if row.raw_status != values["raw_status"] or row.channel_progress != values["channel_progress"]:
        events.append(ClaimEvent(company_id=row.company_id, claim=row, kind=ClaimEventKind.CHANNEL_STATUS,
                                 old_value=row.raw_status[:100], new_value=values["raw_status"][:100], created_at=now,
                                 message=_("쇼핑몰 상태: %(old)s → %(new)s") % {"old": row.raw_status or "-",
                                                                              "new": values["raw_status"]}))
    for key, value in values.items():
        if key == "type":
            continue  # a claim never changes its type
        if key == "completed_at" and value is None:
            continue
        setattr(row, key, value)
    row.updated_at = now
    with transaction.atomic():
        row.save(update_fields=[k for k in values if k not in ("type", "completed_at")]
                 + (["completed_at"] if values["completed_at"] is not None else []) + ["updated_at", "channel_claim_id"])
    return events
