"""Label rendering for printed packages (SHP-2): each package's label data, the PDF, and label
batches (rendered in the request, or in a job above `LABEL_JOB_THRESHOLD` packages).
`services_packages.packages_print` decides what prints and issues the numbers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import Company, User

from . import selectors
from .labels import LAYOUTS, LabelData, labels_pdf, sender_from_warehouse
from .models import LabelBatch, Package
from .services import ShippingError
from .services_packages import _check_company, package_items


def label_data(company: Company, packages: Sequence[Package]) -> Iterator[LabelData]:
    """The label of each package (sender = the contract's warehouse, else the package's warehouse)."""
    today = timezone.localdate()
    for p in packages:
        items = package_items(company, p)
        warehouse = p.contract.warehouse if p.contract_id else p.warehouse
        sender = sender_from_warehouse(warehouse) if warehouse is not None else {
            "sender_name": company.name, "sender_phone": "", "sender_address": ""}
        order_nos = list(dict.fromkeys(i.order.channel_order_id for i in items)) or [
            o.channel_order_id for o in selectors.package_orders(company, p)]
        yield LabelData(
            **sender, recipient_name=p.recipient_name, recipient_phone=p.recipient_phone,
            recipient_postal_code=p.recipient_postal_code, recipient_address1=p.recipient_address1,
            recipient_address2=p.recipient_address2,
            items=[(i.line.product_name, i.line.option_text, i.quantity) for i in items],
            delivery_message=p.delivery_message, carrier_name=p.carrier.name if p.carrier_id else "",
            tracking_number=p.tracking_number, box_size=p.box_size, order_numbers=order_nos, print_date=today,
            number_rule=p.carrier.rule if p.carrier_id else None)


def labels_render(*, company: Company, packages: Sequence[Package], layout: str = "single",
                  progress=None) -> bytes:
    """PDF bytes of the packages' labels; `progress(done, total)` is called as labels are drawn."""
    if layout not in LAYOUTS:
        raise ShippingError(_("알 수 없는 출력 형식 '%(layout)s'입니다.") % {"layout": layout})
    total = len(packages)

    def counted() -> Iterator[LabelData]:
        for i, label in enumerate(label_data(company, packages), start=1):
            yield label
            if progress is not None and (i % 20 == 0 or i == total):
                progress(i, total)

    return labels_pdf(counted(), layout=layout, title=_("운송장"))


def label_batch_create(*, company: Company, packages: Sequence[Package], layout: str,
                       user: User | None = None) -> LabelBatch:
    return LabelBatch.objects.create(company=company, packages=[p.pk for p in packages], layout=layout,
                                     count=len(packages), created_by=user if user and user.pk else None)


#: over this many packages a label batch renders in a background job (with progress) instead of the request
LABEL_JOB_THRESHOLD = 200


def label_batch_start(*, company: Company, packages: Sequence[Package], layout: str,
                      user: User | None = None) -> LabelBatch:
    """Create the batch and render it now, or, for a large batch, in a job the batch page follows."""
    batch = label_batch_create(company=company, packages=packages, layout=layout, user=user)
    if len(packages) <= LABEL_JOB_THRESHOLD:
        return label_batch_render(company=company, batch=batch)
    from .tasks import render_label_batch  # tasks import this module

    batch.job_run = render_label_batch.start(company=company, user=user, batch_id=batch.pk,
                                             title=_("운송장 출력 %(n)s건") % {"n": len(packages)})
    batch.save(update_fields=["job_run"])
    return batch


def label_batch_render(*, company: Company, batch: LabelBatch, progress=None) -> LabelBatch:
    _check_company(company, batch)
    rows = {p.pk: p for p in selectors.packages(company).filter(pk__in=batch.packages)}
    packages = [rows[pk] for pk in batch.packages if pk in rows]
    batch.pdf = labels_render(company=company, packages=packages, layout=batch.layout, progress=progress)
    batch.save(update_fields=["pdf"])
    return batch
