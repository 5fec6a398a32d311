"""What claims tells higher apps (saas webhooks), registered from their `ready()`::

    from marketdock.claims.hooks import on_claim_created, on_inquiry_created

    @on_claim_created
    def tell(*, company, claim_ids): ...      # inside the transaction that created the claims

The claims services call `claim_created(company, ids)` / `inquiry_created(company, ids)` right after
they create claims or inquiries (collected or entered by hand).
"""

from __future__ import annotations

from marketdock.core.hooks import IdsHook

_claims = IdsHook("claim_ids")
_inquiries = IdsHook("inquiry_ids")

on_claim_created = _claims.register
claim_created = _claims.notify
on_inquiry_created = _inquiries.register
inquiry_created = _inquiries.notify
