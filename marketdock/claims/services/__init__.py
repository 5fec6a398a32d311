"""Claims and customer service (issue 13). Public names are re-exported here so callers write
`from marketdock.claims import services`."""

from .answers import (
    AnswerError,
    answer_retry,
    answer_send,
    answers_bulk,
    template_delete,
    template_render,
    template_save,
)
from .effects import claim_decision_enqueue, inquiry_answer_enqueue
from .inquiries import InquiryCollectError, inquiries_collect, inquiries_collect_start, inquiries_ingest
from .suggest import suggest_answer

__all__ = ["AnswerError", "InquiryCollectError", "answer_retry", "answer_send", "answers_bulk",
           "claim_decision_enqueue", "inquiries_collect", "inquiries_collect_start", "inquiries_ingest",
           "inquiry_answer_enqueue", "suggest_answer", "template_delete", "template_render", "template_save"]
