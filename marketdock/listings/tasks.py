"""Listing jobs: 쇼핑몰전송 (register/rewrite), import, and pulling the channel's state. Each writes a
per-listing result into the job's log and result; none holds a transaction across an HTTP call."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.models import ChannelAccount
from marketdock.core.jobs import JobContext, job

from . import services
from .models import Listing


@job(kind="listings.send", label=gettext_lazy("쇼핑몰 상품전송"))
def listings_send_job(ctx: JobContext, *, listing_ids: list[int]) -> dict:
    results = []
    ok = failed = 0
    for i, listing_id in enumerate(listing_ids, start=1):
        result = services.listing_send(company=ctx.company, listing_id=listing_id, user=ctx.user)
        results.append(result.as_dict())
        if result.ok:
            ok += 1
            ctx.log(_("%(account)s: 전송 완료 (연동상품코드 %(code)s)") % {"account": result.account,
                                                                  "code": result.channel_product_id})
        else:
            failed += 1
            ctx.log(_("%(account)s: 실패 — %(message)s") % {"account": result.account, "message": result.message})
        ctx.progress(i, len(listing_ids), sent=ok, failed=failed)
    return {"results": results, "sent": ok, "failed": failed}


@job(kind="listings.import", label=gettext_lazy("쇼핑몰 상품 가져오기"))
def listings_import_job(ctx: JobContext, *, account_id: int, create_missing: bool = True) -> dict:
    account = ChannelAccount.objects.get(company=ctx.company, pk=account_id)
    counts = {"updated": 0, "linked": 0, "created": 0, "skipped": 0, "error": 0}
    results = []
    with services.common._connector(account) as conn:
        for n, cl in enumerate(conn.iter_listings(), start=1):
            outcome = services.listing_import_one(company=ctx.company, account=account, cl=cl,
                                                  create_missing=create_missing, user=ctx.user)
            counts[outcome.outcome] += 1
            results.append(outcome.__dict__)
            ctx.log(f"{outcome.product_id} {outcome.name}: {outcome.message}")
            ctx.progress(n, None, **counts)
    return {"results": results[-500:], **counts}


@job(kind="listings.pull", label=gettext_lazy("쇼핑몰 상품 상태 가져오기"))
def listings_pull_job(ctx: JobContext, *, account_id: int, listing_ids: list[int] | None = None) -> dict:
    """Read the channel's current listings: the chosen ones one by one, or the whole account in pages."""
    account = ChannelAccount.objects.get(company=ctx.company, pk=account_id)
    ours = Listing.objects.filter(company=ctx.company, account=account).exclude(channel_product_id="")
    if listing_ids:
        ours = ours.filter(pk__in=listing_ids)
    by_pid = {lst.channel_product_id: lst for lst in ours}
    seen: set[int] = set()
    missing = failed = 0
    with services.common._connector(account) as conn:
        if listing_ids:
            for lst in by_pid.values():
                try:
                    cl = conn.get_listing(lst.channel_product_id)
                except ConnectorError as exc:
                    failed += 1
                    ctx.log(f"{lst.channel_product_id} {lst.name}: {getattr(exc, 'message', exc)}")
                    continue
                services.listing_pull_apply(company=ctx.company, listing_id=lst.pk, cl=cl)
                seen.add(lst.pk)
                ctx.progress(len(seen) + failed, len(by_pid), pulled=len(seen), failed=failed)
        else:
            for cl in conn.iter_listings():
                lst = by_pid.get(services.order_product_id(cl))
                if lst is None:
                    continue
                services.listing_pull_apply(company=ctx.company, listing_id=lst.pk, cl=cl)
                seen.add(lst.pk)
                ctx.progress(len(seen), len(by_pid), pulled=len(seen))
    for lst in by_pid.values():
        if lst.pk not in seen and not listing_ids:
            missing += 1
            ctx.log(_("%(code)s %(name)s: 쇼핑몰에서 찾을 수 없습니다.") % {"code": lst.channel_product_id,
                                                                  "name": lst.name})
    return {"pulled": len(seen), "missing": missing, "failed": failed}
