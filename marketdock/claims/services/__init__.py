"""Claims and customer service (issue 13). Public names are re-exported here so callers write
`from marketdock.claims import services`."""

from .effects import claim_decision_enqueue, inquiry_answer_enqueue

__all__ = ["claim_decision_enqueue", "inquiry_answer_enqueue"]
