"""Customer service data for the assignment, SMS and claim-analysis tests: claims and inquiries saved
straight to the tables (on orders from `make_raw_order`), verified sender numbers."""

from __future__ import annotations

import itertools

from django.utils import timezone

from marketdock.catalog.models import SKU
from marketdock.claims.models import (
    AssignmentRule,
    Claim,
    ClaimStatus,
    ClaimType,
    SmsSender,
)
from marketdock.orders.models import OrderLine, OrderLineComponent

from .catalog import make_sku
from .orders import make_raw_order

_seq = itertools.count(1)


def make_account_claim(account, *, order=None, line=None, type=ClaimType.RETURN, status=ClaimStatus.REQUESTED,
               reason_code="", reason_text="", reason_class="", assignee=None, **extra) -> Claim:
    """A claim on `line` (default: the first line of a new order of `account`)."""
    if line is None:
        order = order or make_raw_order(account)
        line = order.lines.order_by("pk").first()
    n = next(_seq)
    return Claim.objects.create(company=account.company, order=line.order, line=line, account=account,
                                channel_claim_id=f"CL{n:05d}", type=type, status=status, reason_code=reason_code,
                                reason_text=reason_text, reason_class=reason_class, assignee=assignee, **extra)


def make_sender(company, number="02-1234-5678", *, verified=True, default=True) -> SmsSender:
    return SmsSender.objects.create(company=company, number=number.replace("-", ""), label="본사",
                                    verified_at=timezone.now() if verified else None,
                                    is_default=default and verified)


def make_rule(company, mode, users, *, target=AssignmentRule.Target.BOTH, account=None) -> AssignmentRule:
    rule = AssignmentRule.objects.create(company=company, mode=mode, target=target, account=account)
    rule.users.set(users)
    return rule


def match_line(line: OrderLine, sku_code: str, name: str = "") -> None:
    """Attach `line` to the catalog SKU `sku_code` (made with its own product `P-<sku_code>` when new)."""
    sku = SKU.objects.filter(company=line.company, code=sku_code).first() or \
        make_sku(line.company, sku_code, name=name)
    OrderLineComponent.objects.create(company=line.company, line=line, sku=sku, quantity=1)
