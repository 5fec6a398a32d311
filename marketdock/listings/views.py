"""쇼핑몰 상품 screens (LST-2..6, LST-8), mounted under the channels url names. Views parse the
request, call selectors/services and render; sending, importing and pulling run as jobs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU, Product
from marketdock.channels import selectors as channel_selectors
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core import params
from marketdock.core.screens import screen_view
from marketdock.core.views_helpers import get_or_404

from . import selectors, services, services_fields
from .forms import ShippingPolicyForm
from .models import Listing, ListingOption, SaleStatus, ShippingPolicy
from .services_product_fields import effective_listing_fields, listing_send_problems
from .tasks import listings_import_job, listings_pull_job, listings_send_job

PAGE_SIZES = (50, 100, 500)


def _account(request, pk) -> ChannelAccount:
    return get_or_404(channel_selectors.channel_account_get, request.company, params.id_param(pk) or 0, _("쇼핑몰 계정을 찾을 수 없습니다."))


def _listing(request, pk: int) -> Listing:
    return get_or_404(selectors.listing_get, request.company, pk, _("쇼핑몰 상품을 찾을 수 없습니다."))


def _policy(request, pk, account: ChannelAccount | None = None) -> ShippingPolicy | None:
    if not pk:
        return None
    try:
        policy = selectors.shipping_policy_get(request.company, int(pk))
    except (ObjectDoesNotExist, ValueError):
        raise Http404(_("배송정보를 찾을 수 없습니다."))
    return policy


def _api_accounts(company):
    return channel_selectors.channel_accounts(company).exclude(kind=ChannelKind.MANUAL).filter(is_active=True)


def _errors(request, exc: services.ListingError) -> None:
    for e in exc.errors:
        messages.error(request, e)


# --- 쇼핑몰 상품조회/수정 ---------------------------------------------------------------------------


@screen_view("channels.listings")
def listing_list(request):
    company = request.company
    f = {"account": params.id_param(request.GET.get("account")), "q": params.text_param(request.GET.get("q")),
         "status": request.GET.get("status", ""), "sale_status": request.GET.get("sale_status", ""),
         "product": params.id_param(request.GET.get("product"))}
    size = params.size_param(request.GET.get("size"), PAGE_SIZES, 50)
    qs = selectors.listing_search(company, account_id=f["account"], q=f["q"], status=f["status"],
                                  sale_status=f["sale_status"])
    if f["product"]:
        qs = qs.filter(product_id=f["product"])
    sort = request.GET.get("sort", "")
    sorts = {"name": "name", "-name": "-name", "price": "price", "-price": "-price", "synced": "last_synced_at",
             "-synced": "-last_synced_at"}
    if sort in sorts:
        qs = qs.order_by(sorts[sort], "id")
    page = Paginator(qs, size).get_page(request.GET.get("page"))
    diffs = selectors.listings_differences(company, page.object_list)
    rows = [{"listing": lst, "diffs": diffs[lst.pk]} for lst in page]
    return render(request, "listings/listing_list.html", {
        "page": page, "rows": rows, "f": f, "size": size, "page_sizes": PAGE_SIZES, "sort": sort,
        "accounts": channel_selectors.channel_accounts(company), "statuses": Listing.Status.choices,
        "sale_statuses": SaleStatus.choices, "job_id": params.id_param(request.GET.get("job")),
    })


@screen_view("channels.listings")
def listing_detail(request, pk: int):
    company = request.company
    listing = _listing(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                raw_price = request.POST.get("price", "")
                if params.number_param(raw_price) is None:
                    raise services.ListingError(_("판매가 '%(v)s'은(는) 숫자가 아닙니다.") % {"v": raw_price})
                services.listing_update(company=company, listing=listing, data={
                    "name": request.POST.get("name", ""), "price": params.number_param(request.POST.get("price"), -1),
                    "sale_status": request.POST.get("sale_status", ""),
                    "category_id": request.POST.get("category_id", ""),
                    "category_name": request.POST.get("category_name", ""),
                    "shipping_policy": _policy(request, request.POST.get("shipping_policy")),
                    "allocation_rule": request.POST.get("allocation_rule", ""),
                    "allocation_value": params.number_param(request.POST.get("allocation_value"), 0),
                    "typed_stock": params.number_param(request.POST.get("typed_stock")),
                })
                messages.success(request, _("저장했습니다. 판매가와 재고는 쇼핑몰에 자동으로 반영되고, 상품명 등 나머지는 "
                                            "[쇼핑몰전송]을 눌러야 반영됩니다."))
            elif action == "accept":
                services.listing_accept_channel(company=company, listing=listing)
                messages.success(request, _("쇼핑몰의 상품명·판매가·판매상태를 가져왔습니다."))
            elif action == "map":
                option = ListingOption.objects.filter(company=company, listing=listing,
                                                      pk=params.number_param(request.POST.get("option"), 0)).first()
                if option is None:
                    raise Http404
                code = request.POST.get("sku_code", "").strip()
                sku = SKU.objects.filter(company=company, code=code).first() if code else None
                if code and sku is None:
                    raise services.ListingError(_("단품코드 '%(code)s'을(를) 찾을 수 없습니다.") % {"code": code})
                services.listing_option_map(company=company, option=option, sku=sku,
                                            quantity=params.number_param(request.POST.get("quantity"), 0) or 0, user=request.user)
                messages.success(request, _("옵션 매칭을 저장했습니다. 주문 매칭에 바로 쓰입니다."))
        except services.ListingError as exc:
            _errors(request, exc)
        return redirect("channels:listing_detail", pk=listing.pk)
    options = list(selectors.listing_options(company, listing))
    mappings = selectors.listing_mappings(company, listing)
    return render(request, "listings/listing_detail.html", {
        "listing": listing, "options": [(o, mappings.get(o.channel_option_id, [])) for o in options],
        "diffs": selectors.listing_differences(company, listing),
        "policies": selectors.shipping_policies_for(company, listing.account),
        "sale_statuses": SaleStatus.choices, "allocation_rules": Listing._meta.get_field("allocation_rule").choices,
        "send_problems": listing_send_problems(listing),
    })


@screen_view("channels.listings")
def listing_register(request):
    """쇼핑몰전송: one catalogue product to one or many channel accounts, per-channel name/price."""
    company = request.company
    try:
        product = Product.objects.get(company=company, pk=params.id_param(request.GET.get("product") or request.POST.get("product")) or 0)
    except Product.DoesNotExist:
        product = None
    accounts = list(_api_accounts(company))
    if request.method == "POST" and product is not None:
        targets = []
        try:
            for account in accounts:
                if request.POST.get(f"send_{account.pk}") != "on":
                    continue
                policy = _policy(request, request.POST.get(f"policy_{account.pk}"))
                targets.append(services.RegisterTarget(
                    account=account, name=request.POST.get(f"name_{account.pk}", ""),
                    price=params.number_param(request.POST.get(f"price_{account.pk}"), -1),
                    category_id=request.POST.get(f"category_id_{account.pk}", ""),
                    category_name=request.POST.get(f"category_name_{account.pk}", ""),
                    shipping_policy=policy))
            listings = services.listings_draft(company=company, product=product, targets=targets, user=request.user)
        except services.ListingError as exc:
            _errors(request, exc)
        else:
            run = listings_send_job.start(company=company, user=request.user, title=_("쇼핑몰전송: %(name)s") % {
                "name": product.name}, listing_ids=[lst.pk for lst in listings])
            messages.success(request, _("%(n)s개 쇼핑몰로 전송을 시작했습니다. 결과는 쇼핑몰별로 아래에 표시됩니다.") % {
                "n": len(listings)})
            return redirect(reverse("channels:listing_list") + "?" + urlencode({"product": product.pk, "job": run.pk}))
    products = None
    if product is None:
        q = request.GET.get("q", "").strip()
        products = Product.objects.filter(company=company)
        if q:
            products = products.filter(name__icontains=q) | products.filter(code=q)
        products = products.order_by("-id")[:50]
    existing = {lst.account_id: lst for lst in Listing.objects.filter(company=company, product=product)} if product else {}
    rows = []
    for account in accounts:
        rows.append({"account": account, "listing": existing.get(account.pk),
                     "missing": services_fields.account_listing_fields_missing(
                         account, effective_listing_fields(account, product) if product else None),
                     "policies": list(selectors.shipping_policies_for(company, account)),
                     "name": request.POST.get(f"name_{account.pk}") or (product.name if product else ""),
                     "price": request.POST.get(f"price_{account.pk}") or (product.price if product else 0),
                     "category_id": request.POST.get(f"category_id_{account.pk}", "")})
    return render(request, "listings/listing_register.html", {
        "product": product, "products": products, "rows": rows, "q": request.GET.get("q", ""),
        "incomplete": [r for r in rows if r["missing"]], "here": request.get_full_path()})


def _selected_ids(request) -> list[int]:
    return params.id_list(request.POST.getlist("ids"))


@screen_view("channels.listings")
def listing_bulk_edit(request):
    """일괄수정 (basic info / shipping info / category) of the chosen listings of ONE account, then send."""
    company = request.company
    if request.method != "POST":
        return redirect("channels:listing_list")
    ids = _selected_ids(request)
    chosen = list(Listing.objects.filter(company=company, pk__in=ids).select_related("account"))
    accounts = {lst.account_id for lst in chosen}
    if not chosen:
        messages.error(request, _("수정할 상품을 하나 이상 고르세요."))
        return redirect("channels:listing_list")
    if len(accounts) != 1:
        messages.error(request, _("일괄수정은 한 쇼핑몰 계정의 상품만 함께 할 수 있습니다. 검색에서 쇼핑몰 계정을 고르세요."))
        return redirect("channels:listing_list")
    account = chosen[0].account
    if request.POST.get("apply") == "1":
        changes: dict = {}
        group = request.POST.get("group", "basic")
        errors = []
        if group == "basic":
            if request.POST.get("sale_status"):
                changes["sale_status"] = request.POST["sale_status"]
            for key in ("price", "price_delta"):
                raw = request.POST.get(key, "").strip()
                if raw:
                    value = params.number_param(raw)
                    if value is None:
                        errors.append(_("판매가 '%(v)s'은(는) 숫자가 아닙니다.") % {"v": raw})
                    else:
                        changes[key] = value
            changes["name_prefix"] = request.POST.get("name_prefix", "")
            changes["name_suffix"] = request.POST.get("name_suffix", "")
        elif group == "shipping":
            pk = request.POST.get("shipping_policy")
            if not pk:
                errors.append(_("배송정보를 고르세요."))
            else:
                changes["shipping_policy"] = _policy(request, pk)
        elif group == "category":
            changes["category_id"] = request.POST.get("category_id", "")
            changes["category_name"] = request.POST.get("category_name", "")
            if not changes["category_id"].strip():
                errors.append(_("쇼핑몰 카테고리 코드를 입력하세요."))
        try:
            if errors:
                raise services.ListingError(errors)
            services.listings_bulk_edit(company=company, account=account, listing_ids=ids, changes=changes,
                                        user=request.user)
        except services.ListingError as exc:
            _errors(request, exc)
        else:
            send_ids = [lst.pk for lst in chosen]
            run = listings_send_job.start(company=company, user=request.user, title=_("일괄수정 전송: %(account)s") % {
                "account": account.name}, listing_ids=send_ids)
            messages.success(request, _("%(n)s개 상품을 수정하고 전송을 시작했습니다.") % {"n": len(send_ids)})
            return redirect("core:job_detail", pk=run.pk)
    return render(request, "listings/listing_bulk_edit.html", {
        "listings": chosen, "account": account, "policies": selectors.shipping_policies_for(company, account),
        "sale_statuses": SaleStatus.choices, "group": request.POST.get("group", "basic"),
    })


@screen_view("channels.listings")
def listing_send(request):
    company = request.company
    if request.method != "POST":
        return redirect("channels:listing_list")
    ids = list(Listing.objects.filter(company=company, pk__in=_selected_ids(request)).values_list("pk", flat=True))
    if not ids:
        messages.error(request, _("전송할 상품을 하나 이상 고르세요."))
        return redirect("channels:listing_list")
    run = listings_send_job.start(company=company, user=request.user, title=_("쇼핑몰전송"), listing_ids=ids)
    return redirect("core:job_detail", pk=run.pk)


@screen_view("channels.listings")
def listing_sync(request):
    """상품동기화: pull the channel's current state of one account's listings (or the chosen ones)."""
    company = request.company
    if request.method != "POST":
        return redirect("channels:listing_list")
    ids = _selected_ids(request)
    if ids:
        chosen = Listing.objects.filter(company=company, pk__in=ids)
        account_ids = set(chosen.values_list("account_id", flat=True))
        if len(account_ids) != 1:
            messages.error(request, _("동기화는 한 쇼핑몰 계정씩 합니다. 검색에서 쇼핑몰 계정을 고르세요."))
            return redirect("channels:listing_list")
        account = _account(request, account_ids.pop())
        ids = list(chosen.values_list("pk", flat=True))
    else:
        account = _account(request, request.POST.get("account"))
    run = listings_pull_job.start(company=company, user=request.user, title=_("상품동기화: %(a)s") % {"a": account.name},
                                  account_id=account.pk, listing_ids=ids or None)
    return redirect("core:job_detail", pk=run.pk)


# --- 가져오기 / 데이터 이관 ------------------------------------------------------------------------


@screen_view("channels.import")
def listing_import(request):
    company = request.company
    accounts = list(_api_accounts(company))
    if request.method == "POST":
        account = _account(request, request.POST.get("account") or 0)
        run = listings_import_job.start(company=company, user=request.user,
                                        title=_("쇼핑몰 상품 가져오기: %(a)s") % {"a": account.name},
                                        account_id=account.pk, create_missing=request.POST.get("create_missing") == "on")
        return redirect("core:job_detail", pk=run.pk)
    return render(request, "listings/listing_import.html", {"accounts": accounts})


@screen_view("channels.migrate")
def listing_migrate(request):
    company = request.company
    accounts = list(channel_selectors.channel_accounts(company))
    summary = None
    text = request.POST.get("rows", "")
    if request.method == "POST":
        account = _account(request, request.POST.get("account") or 0)
        try:
            rows = services.link_rows_parse(text)
            summary = services.listings_link_by_code(company=company, account=account, rows=rows, user=request.user)
        except services.ListingError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("연결했습니다: 새 연동 %(c)s개, 기존 연동 %(u)s개, 옵션 매칭 %(m)s건.") % {
                "c": len(summary.created), "u": len(summary.updated), "m": summary.mappings})
            text = ""
    return render(request, "listings/listing_migrate.html", {"accounts": accounts, "summary": summary, "text": text,
                                                             "account_id": params.number_param(request.POST.get("account"))})


# --- 배송정보설정 ---------------------------------------------------------------------------------


@screen_view("channels.shipping_policies")
def shipping_policies(request):
    company = request.company
    account_id = params.id_param(request.GET.get("account") or request.POST.get("account"))
    form = ShippingPolicyForm(request.POST or None, company=company)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.shipping_policy_save(company=company, policy=None, account=form.cleaned_data["account"],
                                              data=form.cleaned_data)
            except services.ListingError as exc:
                for e in exc.errors:
                    form.add_error(None, e)
            else:
                messages.success(request, _("배송정보를 등록했습니다."))
                return redirect(reverse("channels:shipping_policies") + f"?account={form.cleaned_data['account'].pk}")
    qs = selectors.shipping_policies_for(company)
    if account_id:
        qs = qs.filter(account_id=account_id)
    return render(request, "listings/shipping_policies.html", {
        "policies": qs, "form": form, "accounts": channel_selectors.channel_accounts(company), "account_id": account_id,
    })


@screen_view("channels.shipping_policies")
def shipping_policy_edit(request, pk: int):
    company = request.company
    policy = _policy(request, pk)
    form = ShippingPolicyForm(request.POST or None, company=company, instance_policy=policy)
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            services.shipping_policy_delete(company=company, policy=policy)
            messages.success(request, _("배송정보를 삭제했습니다."))
            return redirect("channels:shipping_policies")
        if form.is_valid():
            try:
                services.shipping_policy_save(company=company, policy=policy, account=policy.account,
                                              data=form.cleaned_data)
            except services.ListingError as exc:
                for e in exc.errors:
                    form.add_error(None, e)
            else:
                messages.success(request, _("배송정보를 저장했습니다."))
                return redirect("channels:shipping_policies")
    return render(request, "listings/shipping_policy_edit.html", {"policy": policy, "form": form})
