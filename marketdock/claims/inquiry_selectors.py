"""Reads for the inquiry screens (CS-2), always company-scoped."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from marketdock.core.models import Company
from marketdock.orders.models import Order

from .models import AnswerTemplate, Inquiry, InquiryStatus


def inquiries(company: Company) -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(company=company).select_related("account", "order", "assignee")


def inquiry_get(company: Company, pk) -> Inquiry:
    return inquiries(company).get(pk=pk)


def inquiries_filtered(company: Company, *, account: int | None = None, kind: str = "", status: str = "",
                       unanswered: bool = False, start: datetime | None = None, end: datetime | None = None,
                       assignee: int | None = None, q: str = "") -> QuerySet[Inquiry]:
    qs = inquiries(company)
    if account:
        qs = qs.filter(account_id=account)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if unanswered:
        qs = qs.exclude(status=InquiryStatus.ANSWERED)
    if start:
        qs = qs.filter(asked_at__gte=start)
    if end:
        qs = qs.filter(asked_at__lt=end)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if q:
        qs = qs.filter(body__icontains=q) | qs.filter(channel_order_id=q) | qs.filter(product_name__icontains=q)
    return qs.order_by("-asked_at", "-id")


def unanswered_summary(company: Company) -> dict:
    """Home tile: how many are unanswered, the oldest one's question time, how many are overdue."""
    open_qs = Inquiry.objects.filter(company=company).exclude(status=InquiryStatus.ANSWERED)
    data = open_qs.aggregate(count=Count("id"), oldest=Min("asked_at"))
    data["overdue"] = open_qs.filter(due_at__lt=timezone.now()).count()
    return data


def buyer_orders(company: Company, inquiry: Inquiry, limit: int = 10) -> list[Order]:
    """The buyer's order history beside the inquiry (same buyer key, else same name on the account)."""
    order = inquiry.order
    if order is None:
        return []
    qs = Order.objects.filter(company=company)
    qs = qs.filter(buyer_key=order.buyer_key) if order.buyer_key else qs.filter(
        account=order.account_id, buyer_name=order.buyer_name)
    return list(qs.order_by("-ordered_at")[:limit])


def templates(company: Company, *, active_only: bool = False) -> QuerySet[AnswerTemplate]:
    qs = AnswerTemplate.objects.filter(company=company)
    return qs.filter(is_active=True) if active_only else qs


def template_get(company: Company, pk) -> AnswerTemplate:
    return templates(company).get(pk=pk)
