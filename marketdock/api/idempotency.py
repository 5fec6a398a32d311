"""`Idempotency-Key`: a write repeated with the same key (per company) returns the first answer and
changes nothing.

The record is inserted in the SAME transaction as the write, before it: a concurrent repeat blocks on
the unique (company, key) row until the first commits, then finds the stored answer (PostgreSQL); on
SQLite the write lock serialises them. A write that is refused (4xx) rolls back with its record, so a
corrected retry with the same key is allowed. The same key with a different request is refused (422).

A key answers repeats for `services.IDEMPOTENCY_KEEP` (24 hours) exactly: an older record is ignored by the
lookup and replaced in the write's transaction, whether or not the nightly housekeeping
(`services.housekeeping`) has dropped it yet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status

from .errors import ApiError
from .models import IdempotencyRecord
from .services import IDEMPOTENCY_KEEP

HEADER = "Idempotency-Key"


def _digest(request, payload) -> str:
    text = json.dumps({"m": request.method, "p": request.path, "b": payload}, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str):
    if record.request_hash != digest:
        raise ApiError(422, "idempotency_mismatch",
                       _("같은 Idempotency-Key로 다른 요청을 보냈습니다. 새 키를 쓰세요."), [{"field": HEADER, "message": ""}])
    return Status(record.status, record.response)


def idempotent(request, payload, run: Callable[[], tuple[int, object]]):
    """Run the write once per Idempotency-Key; returns (status, JSON-safe data)."""
    value = request.headers.get(HEADER, "").strip()
    if not value:
        status, data = run()
        return Status(status, json.loads(json.dumps(data, cls=DjangoJSONEncoder)))
    if len(value) > 200:
        raise ApiError(400, "invalid", _("Idempotency-Key는 200자 이하여야 합니다."), [{"field": HEADER, "message": ""}])
    company, digest = request.company, _digest(request, payload)
    cutoff = timezone.now() - IDEMPOTENCY_KEEP
    found = IdempotencyRecord.objects.filter(company=company, key=value, created_at__gte=cutoff).first()
    if found is not None:
        return _replay(found, digest)
    with transaction.atomic():
        # an answer older than IDEMPOTENCY_KEEP no longer answers repeats: this write replaces it (a refused
        # write rolls back and leaves it, still ignored)
        IdempotencyRecord.objects.filter(company=company, key=value, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(company=company, key=value, api_key=request.api_key,
                                                          request_hash=digest, status=0)
        except IntegrityError:
            record = None
        if record is not None:
            status, data = run()
            data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
            record.status, record.response = status, data
            record.save(update_fields=["status", "response"])
            return Status(status, data)
    return _replay(IdempotencyRecord.objects.get(company=company, key=value), digest)
