"""Reads for 담당자 배정 and 문자 발송 (CS-3, CS-4), always company-scoped."""

from __future__ import annotations

from django.db.models import QuerySet

from marketdock.core.models import User
from marketdock.core.params import id_param

from .models import AssignmentChange, AssignmentRule, Claim, Inquiry, SmsMessage, SmsSender

# the assignee filter values every list understands: "mine", "none" (unassigned) or a user id
ASSIGNEE_MINE = "mine"
ASSIGNEE_NONE = "none"


def mine(queryset: QuerySet, user) -> QuerySet:
    """The claims or inquiries of `queryset` whose 담당자 is `user` (the "mine" filter)."""
    return queryset.filter(assignee_id=user.pk)


def assignee_filter(queryset: QuerySet, value: str, user) -> QuerySet:
    """Filter a claim or inquiry queryset by the list's 담당자 parameter: "mine", "none" or a user id
    (anything else: no filter)."""
    value = (value or "").strip()
    if value == ASSIGNEE_MINE:
        return mine(queryset, user)
    if value == ASSIGNEE_NONE:
        return queryset.filter(assignee__isnull=True)
    pk = id_param(value)
    return queryset if pk is None else queryset.filter(assignee_id=pk)


def assignable_users(company) -> QuerySet:
    return User.objects.filter(company=company, is_active=True).order_by("name", "username", "pk")


def assignable_user_get(company, pk) -> User:
    return assignable_users(company).get(pk=pk)


def claim_get(company, pk) -> Claim:
    return Claim.objects.select_related("order", "line", "account", "assignee").get(company=company, pk=pk)


def inquiry_get(company, pk) -> Inquiry:
    return Inquiry.objects.select_related("order", "account", "assignee").get(company=company, pk=pk)


def item_get(company, kind: str, pk):
    """A claim (kind "claim") or an inquiry (kind "inquiry") of the company."""
    if kind == "claim":
        return claim_get(company, pk)
    if kind == "inquiry":
        return inquiry_get(company, pk)
    raise Claim.DoesNotExist


def assignment_history(company, *, claim=None, inquiry=None, limit: int = 20) -> QuerySet:
    rows = AssignmentChange.objects.filter(company=company).select_related("old_assignee", "new_assignee", "user",
                                                                           "by_rule")
    if claim is not None:
        rows = rows.filter(claim=claim)
    if inquiry is not None:
        rows = rows.filter(inquiry=inquiry)
    return rows[:limit]


def assignment_rules(company) -> QuerySet:
    return AssignmentRule.objects.filter(company=company).select_related("account").prefetch_related("users")


def assignment_rule_get(company, pk) -> AssignmentRule:
    return assignment_rules(company).get(pk=pk)


# --- SMS ---------------------------------------------------------------------------------------------------


def sms_senders(company) -> QuerySet:
    return SmsSender.objects.filter(company=company)


def sms_sender_get(company, pk) -> SmsSender:
    return sms_senders(company).get(pk=pk)


def verified_senders(company) -> QuerySet:
    return sms_senders(company).filter(verified_at__isnull=False)


def sms_messages(company, *, status: str = "", order_id=None, claim_id=None, inquiry_id=None) -> QuerySet:
    """The message log, newest first; optionally of one order, claim or inquiry (for their screens)."""
    rows = SmsMessage.objects.filter(company=company).select_related("user", "order", "claim", "inquiry")
    if status in SmsMessage.Status.values:
        rows = rows.filter(status=status)
    for key, pk in (("order_id", order_id), ("claim_id", claim_id), ("inquiry_id", inquiry_id)):
        if pk is not None:
            rows = rows.filter(**{key: pk})
    return rows


def orders_for_sms(company, ids):
    """The company's orders among `ids` (another company's ids are simply not there)."""
    from marketdock.orders.models import Order

    return list(Order.objects.filter(company=company, pk__in=list(ids)).order_by("pk"))
