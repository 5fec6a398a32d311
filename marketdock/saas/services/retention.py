"""Data retention (SYS-9).

1. Buyer personal data — name, phone, e-mail, address, delivery message — is purged a number of days
   (the company's `Subscription.buyer_data_days`, else settings.MARKETDOCK_BUYER_DATA_DAYS, 90 by
   default; README "보관 기간") after the order was delivered or cancelled (orders shipped but never
   confirmed delivered: 30 days later still). "Purged" means replaced by the masked form of
   `core.masking` (홍*동, 010-1234-****, the address cut to 시·구) in the order, and found and masked
   wherever else it was copied: the marketplace's raw lines, the order history, packages (and their
   printed label PDFs, dropped), claims, inquiries, the SMS log, outbox payloads and quarantined
   records of the order. The order itself — items, amounts, dates, statuses — stays, so sales figures
   and settlements do not change. Every purge is a `PurgeRun` with its `PurgedOrder`s (the ledger).
2. A terminated company's data is kept 3 months after termination, then deleted entirely
   (`terminated_delete_due`); `company_data_counts` says what would go (the dry run).
"""

from __future__ import annotations

import calendar
import graphlib
import re
from collections import Counter
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from marketdock.claims.models import Claim, ClaimEvent, Inquiry, InquiryAnswer, InquiryEvent, SmsMessage
from marketdock.core.masking import mask_email, mask_name, mask_phone
from marketdock.core.models import Company, CompanyStatus
from marketdock.orders.models import (
    SHIPPED_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    QuarantinedRecord,
)
from marketdock.outbox.models import OutboxMessage
from marketdock.shipping.models import LabelBatch, Package, PackageOrder

from ..models import CompanyDeletion, PurgedOrder, PurgeRun, Subscription

DEFAULT_BUYER_DATA_DAYS = 90
UNDELIVERED_EXTRA_DAYS = 30
TERMINATED_KEEP_MONTHS = 3
BATCH = 200
PERSONAL_KEY = re.compile(
    r"(tel|phone|mobile|cellular|e-?mail|addr|zip|postcode|postal|receiver|recipient|orderer|buyer|customer|"
    r"consignee|safenumber|shipping_?address|delivery_?message|deliverymemo|personal)", re.I)
MASKED_TEXT = "***"


# --- masking -------------------------------------------------------------------------------------------


def coarse_address(address: str) -> str:
    """The address cut to 시·도 and 시·군·구 (kept for regional figures), the rest masked."""
    words = (address or "").split()
    return " ".join(words[:2] + [MASKED_TEXT]) if words else ""


def mask_text(value: str) -> str:
    """A personal value of unknown kind, masked by its shape."""
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    if "@" in text:
        return mask_email(text)
    if len(digits) >= 9 and len(digits) >= len(text) - 4:
        return mask_phone(text) or MASKED_TEXT
    if len(text) <= 10 and " " not in text:
        return mask_name(text)
    return coarse_address(text) if len(text) > 10 else MASKED_TEXT


def _phone_forms(phone: str) -> set[str]:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 7:
        return set()
    forms = {phone.strip(), digits}
    if len(digits) in (10, 11):
        forms.add(f"{digits[:3]}-{digits[3:-4]}-{digits[-4:]}")
        forms.add(f"{digits[:3]} {digits[3:-4]} {digits[-4:]}")
    return forms


def personal_values(order: Order) -> dict[str, str]:
    """Every personal value of the order → its masked form (longest first when replacing)."""
    out: dict[str, str] = {}
    for name in (order.buyer_name, order.recipient_name):
        if len((name or "").strip()) >= 2:
            out[name.strip()] = mask_name(name.strip())
    for phone in (order.buyer_phone, order.recipient_phone):
        masked = mask_phone(phone) or MASKED_TEXT
        out.update({form: masked for form in _phone_forms(phone)})
    if order.buyer_email:
        out[order.buyer_email.strip()] = mask_email(order.buyer_email.strip())
    for text in (order.recipient_address1, order.recipient_address2, order.delivery_message):
        if len((text or "").strip()) >= 4:
            out[text.strip()] = MASKED_TEXT
    address = " ".join(x for x in (order.recipient_address1, order.recipient_address2) if x).strip()
    if address:
        out[address] = coarse_address(order.recipient_address1)
    return dict(sorted(out.items(), key=lambda kv: -len(kv[0])))


def scrub(value, secrets: dict[str, str], personal: bool = False):
    """`value` (text or JSON) with every personal value masked; JSON leaves under a personal key
    (phone, address, receiver, …) are masked whatever they hold."""
    if isinstance(value, dict):
        return {k: scrub(v, secrets, personal or bool(PERSONAL_KEY.search(str(k)))) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets, personal) for v in value]
    if isinstance(value, str):
        if personal and value.strip():
            return mask_text(value)
        for secret, masked in secrets.items():
            if secret in value:
                value = value.replace(secret, masked)
        return value
    if personal and isinstance(value, int) and len(str(value)) >= 9:  # a phone number stored as a number
        return 0
    return value


_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _scrub_rows(qs, secrets_of, *, fixed=None) -> int:
    """Mask every text and JSON column of the rows of `qs`; `secrets_of(row)` gives the row's personal
    values, `fixed(row)` sets known personal columns first. Returns the rows changed."""
    model = qs.model
    fields = [f for f in model._meta.concrete_fields if isinstance(f, _TEXT_FIELDS) and not f.choices]
    changed_rows, changed_fields = [], set()
    for row in qs:
        secrets = secrets_of(row)
        touched = set(fixed(row)) if fixed else set()
        for f in fields:
            old = getattr(row, f.attname)
            new = scrub(old, secrets)
            if new != old:
                setattr(row, f.attname, new)
                touched.add(f.attname)
        if touched:
            changed_rows.append(row)
            changed_fields |= touched
    if changed_rows:
        model.objects.bulk_update(changed_rows, sorted(changed_fields), batch_size=200)
    return len(changed_rows)


def _mask_order(order: Order) -> list[str]:
    order.buyer_name, order.recipient_name = mask_name(order.buyer_name), mask_name(order.recipient_name)
    order.buyer_phone, order.recipient_phone = mask_phone(order.buyer_phone), mask_phone(order.recipient_phone)
    order.buyer_email = mask_email(order.buyer_email)
    order.recipient_address1 = coarse_address(order.recipient_address1)
    order.recipient_address2 = order.recipient_postal_code = order.delivery_message = ""
    order.buyer_phone_digits = order.recipient_phone_digits = order.buyer_key = ""
    return ["buyer_name", "recipient_name", "buyer_phone", "recipient_phone", "buyer_email", "recipient_address1",
            "recipient_address2", "recipient_postal_code", "delivery_message", "buyer_phone_digits",
            "recipient_phone_digits", "buyer_key"]


def _mask_package(package: Package) -> list[str]:
    package.recipient_name, package.recipient_phone = mask_name(package.recipient_name), mask_phone(
        package.recipient_phone)
    package.recipient_address1 = coarse_address(package.recipient_address1)
    package.recipient_address2 = package.recipient_postal_code = package.delivery_message = package.address_key = ""
    return ["recipient_name", "recipient_phone", "recipient_address1", "recipient_address2", "recipient_postal_code",
            "delivery_message", "address_key"]


def _mask_inquiry(inquiry: Inquiry) -> list[str]:
    inquiry.buyer_name, inquiry.buyer_id = mask_name(inquiry.buyer_name), mask_name(inquiry.buyer_id)
    return ["buyer_name", "buyer_id"]


# --- which orders ---------------------------------------------------------------------------------------


def buyer_data_days(company: Company) -> int:
    sub = Subscription.objects.filter(company=company).values_list("buyer_data_days", flat=True).first()
    return sub or int(getattr(settings, "MARKETDOCK_BUYER_DATA_DAYS", DEFAULT_BUYER_DATA_DAYS))


def orders_due(company: Company, *, now: datetime | None = None):
    cutoff = (now or timezone.now()) - timedelta(days=buyer_data_days(company))
    done = Q(status__in=[OrderStatus.DELIVERED, OrderStatus.CANCELLED], changed_at__lt=cutoff)
    never_confirmed = Q(status__in=SHIPPED_STATUSES, shipped_at__lt=cutoff - timedelta(days=UNDELIVERED_EXTRA_DAYS))
    purged = PurgedOrder.objects.filter(order_id=OuterRef("pk"))
    return Order.objects.filter(done | never_confirmed, company=company).filter(~Exists(purged)).order_by("pk"), cutoff


# --- the purge -----------------------------------------------------------------------------------------


def _purge_batch(company: Company, orders: list[Order], counts: Counter) -> None:
    secrets = {o.pk: personal_values(o) for o in orders}
    by_channel_no = {o.channel_order_id: secrets[o.pk] for o in orders}
    ids = list(secrets)
    of_order = lambda row: secrets.get(row.order_id, {})  # noqa: E731 - the common case, named once

    counts["orders.Order"] += _scrub_rows(Order.objects.filter(pk__in=ids), lambda o: secrets[o.pk], fixed=_mask_order)
    counts["orders.OrderLine"] += _scrub_rows(OrderLine.objects.filter(order_id__in=ids), of_order)
    counts["orders.OrderEvent"] += _scrub_rows(OrderEvent.objects.filter(order_id__in=ids), of_order)
    counts["orders.QuarantinedRecord"] += _scrub_rows(
        QuarantinedRecord.objects.filter(company=company, channel_order_id__in=list(by_channel_no)),
        lambda r: by_channel_no.get(r.channel_order_id, {}))
    package_orders = dict(PackageOrder.objects.filter(order_id__in=ids).values_list("package_id", "order_id"))
    counts["shipping.Package"] += _scrub_rows(Package.objects.filter(pk__in=list(package_orders)),
                                              lambda p: secrets[package_orders[p.pk]], fixed=_mask_package)
    if package_orders:
        pkgs = set(package_orders)
        labels = [b.pk for b in LabelBatch.objects.filter(company=company, pdf__isnull=False).only("pk", "packages")
                  if pkgs & set(b.packages or [])]
        counts["shipping.LabelBatch"] += LabelBatch.objects.filter(pk__in=labels).update(pdf=None)
    counts["claims.Claim"] += _scrub_rows(Claim.objects.filter(order_id__in=ids), of_order)
    counts["claims.ClaimEvent"] += _scrub_rows(ClaimEvent.objects.filter(claim__order_id__in=ids).select_related(
        "claim"), lambda r: secrets.get(r.claim.order_id, {}))
    counts["claims.Inquiry"] += _scrub_rows(Inquiry.objects.filter(order_id__in=ids), of_order, fixed=_mask_inquiry)
    for model in (InquiryEvent, InquiryAnswer):
        counts[model._meta.label] += _scrub_rows(model.objects.filter(inquiry__order_id__in=ids).select_related(
            "inquiry"), lambda r: secrets.get(r.inquiry.order_id, {}))
    counts["claims.SmsMessage"] += _scrub_rows(SmsMessage.objects.filter(order_id__in=ids), of_order)
    refs = {f"order:{pk}": pk for pk in ids}
    counts["outbox.OutboxMessage"] += _scrub_rows(OutboxMessage.objects.filter(company=company, reference__in=list(refs)),
                                                  lambda m: secrets.get(refs.get(m.reference), {}))


def buyer_data_purge(company: Company, *, now: datetime | None = None) -> PurgeRun | None:
    """Purge the buyer personal data of the company's orders past retention; None when none was due."""
    now = now or timezone.now()
    qs, cutoff = orders_due(company, now=now)
    run = None
    counts: Counter = Counter()
    while True:
        with transaction.atomic():
            orders = list(qs.select_for_update()[:BATCH])
            if not orders:
                break
            if run is None:
                run = PurgeRun.objects.create(company=company, at=now, cutoff=cutoff, days=buyer_data_days(company))
            _purge_batch(company, orders, counts)
            PurgedOrder.objects.bulk_create([PurgedOrder(company=company, run=run, order=o, purged_at=now) for o in orders])
            run.orders += len(orders)
            run.rows = {k: v for k, v in sorted(counts.items()) if v}
            run.save(update_fields=["orders", "rows"])
    _purge_loose_inquiries(company, now - timedelta(days=buyer_data_days(company)))
    return run


def _purge_loose_inquiries(company: Company, cutoff: datetime) -> int:
    """Inquiries without an order: the writer's name and id masked once they are past retention."""
    qs = Inquiry.objects.filter(company=company, order__isnull=True, asked_at__lt=cutoff).exclude(buyer_name="").exclude(
        buyer_name__contains="*")
    return _scrub_rows(qs, lambda r: {}, fixed=_mask_inquiry)


def buyer_data_purge_all(*, now: datetime | None = None) -> dict[str, int]:
    """The nightly job: every company that is not deleted yet."""
    out = {}
    for company in Company.objects.order_by("pk"):
        run = buyer_data_purge(company, now=now)
        if run is not None:
            out[company.code] = run.orders
    return out


# --- terminated companies ------------------------------------------------------------------------------


def add_months(at: datetime, months: int) -> datetime:
    month0 = at.month - 1 + months
    year, month = at.year + month0 // 12, month0 % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def deletion_date(company: Company) -> datetime | None:
    sub = Subscription.objects.filter(company=company).first()
    if company.status != CompanyStatus.TERMINATED or sub is None or sub.terminated_at is None:
        return None
    return add_months(sub.terminated_at, TERMINATED_KEEP_MONTHS)


def _company_models() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to Company: (model, field name), referrers before what they refer to."""
    found = {}
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is Company:
                found[model] = f.name
                break
    sorter = graphlib.TopologicalSorter()
    for model in found:
        sorter.add(model)
        for f in model._meta.concrete_fields:
            target = f.related_model if isinstance(f, models.ForeignKey) else None
            if target in found and target is not model:
                sorter.add(target, model)  # the referring model goes first
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError:
        order = list(found)
    return [(m, found[m]) for m in order]


def company_data_counts(company: Company) -> list[tuple[str, int]]:
    """What deleting the company would remove: (model label, rows), the dry run."""
    rows = []
    for model, field in _company_models():
        n = model._default_manager.filter(**{field: company}).count()
        if n:
            rows.append((model._meta.label, n))
    return sorted(rows)


def company_delete(company: Company) -> CompanyDeletion:
    """Delete the company and every row of it (after its 3 months of retention)."""
    counts = dict(company_data_counts(company))
    with transaction.atomic():
        sub = Subscription.objects.filter(company=company).first()
        record = CompanyDeletion.objects.create(company_code=company.code, company_name=company.name,
                                                terminated_at=sub.terminated_at if sub else None, rows=counts)
        pending = _company_models()
        for _pass in range(len(pending) + 1):  # protected rows go once their referrers are gone
            left = []
            for model, field in pending:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(**{field: company}).delete()  # ledgers too: the whole company goes
                except models.ProtectedError:
                    left.append((model, field))
            if not left:
                break
            pending = left
        company.delete()
    return record


def terminated_due(*, now: datetime | None = None) -> list[Company]:
    now = now or timezone.now()
    return [c for c in Company.objects.filter(status=CompanyStatus.TERMINATED).order_by("pk")
            if (when := deletion_date(c)) is not None and when <= now]


def terminated_delete_due(*, now: datetime | None = None) -> list[str]:
    return [company_delete(c).company_code for c in terminated_due(now=now)]
