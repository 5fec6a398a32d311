"""Claims and customer service (issue 13). Public names are re-exported here so callers write
`from marketdock.claims import services`."""

from .collection import (
    ClaimCollectError,
    ClaimCollectFailed,
    claims_collect_now,
    claims_collection_execute,
    claims_due_accounts,
    claims_supported,
)
from .delivery import claim_push_record, deliver_claim_decision
from .effects import claim_decision_enqueue, inquiry_answer_enqueue
from .ingest import (
    CLAIM_STATUS_FOR_PROGRESS,
    CLAIM_STATUS_OVERRIDES,
    channel_claims_ingest,
    claim_status_for,
    claim_status_next,
)

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
