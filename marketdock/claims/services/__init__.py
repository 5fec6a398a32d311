"""Claims and customer service (issue 13). Public names are re-exported here so callers write
`from marketdock.claims import services`.

- `flow`: our claim statuses, the allowed moves, the one writer of a claim's status (ClaimEvent)
- `decisions`: 승인 / 거부 / 보류 / 보류 해제 / 회수 도착, per-claim results, re-sending refused decisions
- `consequences`: what an approved cancel does to the order and stock (exactly once)
- `inspection`: 입고검수 (정상 재입고 / 불량 / 폐기) and the `return` movement of what was accepted
- `exchange`: the replacement SKU, its order and package, the re-shipment
- `manual`: claims entered by hand, the seller's sold-out cancel
- `channel`: the marketplace's own progress moves our claim forward (for claim collection)
- `effects`: what the marketplace is told (outbox)
"""
# ruff: noqa: F401  (the re-exports are this module's purpose)

from .channel import claim_follow_channel
from .consequences import cancel_apply, cancelled_quantity_for
from .decisions import (
    claim_push_retry,
    claims_approve,
    claims_hold,
    claims_receive,
    claims_reject,
    claims_release_hold,
    tells_marketplace,
)
from .effects import claim_decision_enqueue, inquiry_answer_enqueue
from .exchange import exchange_sku, exchange_sku_set, reship_start, reship_taken
from .flow import ALLOWED, ClaimError, ClaimOutcome, allowed_moves, claim_event, claim_move, move_refusal
from .inspection import InspectionItem, claim_inspect, inspection_items
from .manual import claim_create_manual, seller_cancel
