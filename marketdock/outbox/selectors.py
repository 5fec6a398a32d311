"""Outbox reads; every selector takes the company first."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import OutboxMessage


def messages(company, *, status: str = "", kind: str = "", account=None, reference: str = "") -> QuerySet[OutboxMessage]:
    qs = OutboxMessage.objects.filter(company=company).select_related("account")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if account is not None:
        qs = qs.filter(account=account)
    if reference:
        qs = qs.filter(reference=reference)
    return qs


def failed_messages(company) -> QuerySet[OutboxMessage]:
    return messages(company).filter(status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD])


def message_get(company, pk: int) -> OutboxMessage:
    return messages(company).get(pk=pk)
