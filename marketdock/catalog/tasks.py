"""Catalogue background jobs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from marketdock.core.jobs import JobContext, job


@job(kind="catalog.excel_import", label=gettext_lazy("상품 엑셀등록"))
def product_excel_import(ctx: JobContext, *, upload_id: int) -> dict:
    from . import services
    from .models import ProductUpload

    upload = ProductUpload.objects.select_related("company").get(company=ctx.company, pk=upload_id)
    ctx.log(f"{upload.original_name}")
    return services.product_upload_process(upload=upload, progress=ctx.progress, log=ctx.log)
