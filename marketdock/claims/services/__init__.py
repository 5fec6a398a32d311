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

from .answers import (  # (inquiries: CS-2)
    AnswerError,
    answer_retry,
    answer_send,
    answers_bulk,
    template_delete,
    template_render,
    template_save,
)
from .channel import claim_follow_channel
from .collection import (
    ClaimCollectError,
    ClaimCollectFailed,
    claims_collect_now,
    claims_collection_execute,
    claims_due_accounts,
    claims_supported,
)
from .consequences import cancel_apply, cancelled_quantity_for
from .decisions import (
    claim_push_retry,
    claims_approve,
    claims_hold,
    claims_receive,
    claims_reject,
    claims_release_hold,
    marketplace_collects,
    tells_marketplace,
)
from .delivery import claim_push_record, deliver_claim_decision
from .effects import claim_decision_enqueue, inquiry_answer_enqueue
from .exchange import exchange_sku, exchange_sku_set, reship_start, reship_taken
from .flow import ALLOWED, ClaimError, ClaimOutcome, allowed_moves, claim_event, claim_move, move_refusal
from .ingest import (
    CLAIM_STATUS_FOR_PROGRESS,
    CLAIM_STATUS_OVERRIDES,
    channel_claims_ingest,
    claim_status_for,
    claim_status_next,
)
from .inquiries import InquiryCollectError, inquiries_collect, inquiries_collect_start, inquiries_ingest
from .inspection import InspectionItem, claim_inspect, inspection_items
from .manual import claim_create_manual, seller_cancel
from .suggest import suggest_answer

__all__ = [
    "CLAIM_STATUS_FOR_PROGRESS",
    "CLAIM_STATUS_OVERRIDES",
    "ClaimCollectError",
    "ClaimCollectFailed",
    "channel_claims_ingest",
    "claim_decision_enqueue",
    "claim_push_record",
    "claim_status_for",
    "claim_status_next",
    "claims_collect_now",
    "claims_collection_execute",
    "claims_due_accounts",
    "claims_supported",
    "deliver_claim_decision",
    "inquiry_answer_enqueue",
]
__all__ += ["AnswerError", "InquiryCollectError", "answer_retry", "answer_send", "answers_bulk", "inquiries_collect",
            "inquiries_collect_start", "inquiries_ingest", "suggest_answer", "template_delete", "template_render",
            "template_save"]

# 담당자 (CS-3), 문자 (CS-4), 사유 분류 (CS-5)
from .assignment import assign, assign_new, rule_delete, rule_save  # noqa: E402
from .reasons import claims_classify, classify_reason  # noqa: E402
from .sms import (  # noqa: E402
    sender_confirm,
    sender_register,
    sms_send,
    sms_to_claim,
    sms_to_inquiry,
    sms_to_orders,
)

__all__ += ["assign", "assign_new", "rule_save", "rule_delete", "classify_reason", "claims_classify",
            "sender_register", "sender_confirm", "sms_send", "sms_to_orders", "sms_to_claim", "sms_to_inquiry"]

__all__ += ["ALLOWED", "ClaimError", "ClaimOutcome", "InspectionItem", "allowed_moves", "cancel_apply",
            "cancelled_quantity_for", "claim_create_manual", "claim_event", "claim_follow_channel", "claim_inspect",
            "claim_move", "claim_push_retry", "claims_approve", "claims_hold", "claims_receive", "claims_reject",
            "claims_release_hold", "exchange_sku", "exchange_sku_set", "inspection_items", "move_refusal",
            "marketplace_collects", "reship_start", "reship_taken", "seller_cancel", "tells_marketplace"]
