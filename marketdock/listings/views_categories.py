"""쇼핑몰 카테고리 picker (htmx): search or browse one channel account's category tree (cached from the
marketplace's category API) and refresh it on demand. The picked leaf is a radio input of the
surrounding form, so the listing forms need no script. Thin: parse, call services_categories, render."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from marketdock.channels.models import ChannelAccount
from marketdock.core.screens import screen_view

from . import services_categories as sc
from .services import ListingError

FIELD_RE = re.compile(r"^category_id(_\d+)?$")


def _account(request, pk) -> ChannelAccount:
    account = ChannelAccount.objects.filter(company=request.company, pk=pk).first()
    if account is None:
        raise Http404(_("쇼핑몰 계정을 찾을 수 없습니다."))
    return account


def _field(request) -> str:
    field = request.GET.get("field") or request.POST.get("field") or "category_id"
    return field if FIELD_RE.match(field) else "category_id"


def _results(request, account, *, error: str = ""):
    company = request.company
    q = (request.GET.get("cq") or request.GET.get("q") or "").strip()[:100]
    parent_code = (request.GET.get("parent") or "").strip()[:100]
    parent = sc.category_get(company, account, parent_code) if parent_code else None
    fetched_at = sc.categories_fetched_at(company, account)
    if q:
        nodes = sc.categories_search(company, account, q)
    else:
        nodes = sc.categories_children(company, account, parent.code if parent else "")
    return render(request, "listings/_category_results.html", {
        "account": account, "field": _field(request), "nodes": nodes, "q": q, "parent": parent,
        "fetched_at": fetched_at, "error": error, "supported": sc.categories_supported(account),
    })


@screen_view("channels.listings", log=False)
def category_picker(request, pk: int):
    """htmx: leaf categories matching ?cq= (every word in the path), or the children of ?parent=."""
    return _results(request, _account(request, pk))


@screen_view("channels.listings", write=True)
def category_refresh(request, pk: int):
    """Load the account's category tree again from the marketplace (POST)."""
    account = _account(request, pk)
    if request.method != "POST":
        raise Http404()
    error = ""
    try:
        result = sc.categories_refresh(company=request.company, account=account)
    except ListingError as exc:
        error = " ".join(exc.errors)
    if request.htmx:
        return _results(request, account, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("%(account)s: 카테고리 %(n)s개를 불러왔습니다.") % {
            "account": account.name, "n": result.count})
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("channels:listing_list")
