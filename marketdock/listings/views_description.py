"""상세설명 템플릿 screens (CAT-6): the templates (header, notice, footer, image blocks) with a live
preview, and composing one product's 상세설명 from a template. Thin: parse, call
services_description, render. The preview (htmx) changes nothing, so a viewer may use it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from marketdock.core.screens import screen_view

from . import services_description as sd
from .models import DescriptionTemplate
from .services import ListingError
from .services_product_fields import product_listing_fields
from .views_fields import company_product


def _template(request, pk) -> DescriptionTemplate:
    template = DescriptionTemplate.objects.filter(company=request.company, pk=pk).first()
    if template is None:
        raise Http404(_("상세설명 템플릿을 찾을 수 없습니다."))
    return template


def _form_values(post, template: DescriptionTemplate | None = None) -> dict:
    if post is not None:
        return {k: post.get(k, "") for k in ("name", "header", "notice", "footer", "image_urls")}
    if template is None:
        return {"name": "", "header": "", "notice": "", "footer": "", "image_urls": ""}
    return {"name": template.name, "header": template.header_html, "notice": template.notice_html,
            "footer": template.footer_html, "image_urls": "\n".join(template.image_urls or [])}


@screen_view("channels.listings")
def description_templates(request):
    """The list of templates and the form of a new one."""
    return _template_form(request, None)


@screen_view("channels.listings")
def description_template_edit(request, pk: int):
    return _template_form(request, _template(request, pk))


def _template_form(request, template):
    company = request.company
    errors: list[str] = []
    if request.method == "POST":
        values = _form_values(request.POST)
        try:
            saved = sd.template_save(company=company, template=template, name=values["name"], header=values["header"],
                                     notice=values["notice"], footer=values["footer"],
                                     image_urls=values["image_urls"], user=request.user)
        except ListingError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("상세설명 템플릿 '%(name)s'을(를) 저장했습니다.") % {"name": saved.name})
            return redirect("channels:description_template_edit", pk=saved.pk)
    else:
        values = _form_values(None, template)
    return render(request, "listings/description_templates.html", {
        "templates": DescriptionTemplate.objects.filter(company=company), "template": template, "values": values,
        "errors": errors, "status": 400 if errors else 200,
    }, status=400 if errors else 200)


@screen_view("channels.listings", write=True)
def description_template_delete(request, pk: int):
    template = _template(request, pk)
    if request.method == "POST":
        sd.template_delete(company=request.company, template=template)
        messages.success(request, _("상세설명 템플릿 '%(name)s'을(를) 삭제했습니다.") % {"name": template.name})
    return redirect("channels:description_templates")


@screen_view("channels.listings", write=False, log=False)
def description_preview(request):
    """htmx: the sanitised HTML of the blocks being typed (a template's, or a product's composition)."""
    post = request.POST if request.method == "POST" else request.GET
    errors: list[str] = []
    html = ""
    try:
        if "template_id" in post:  # a product's composition
            template = None
            if post.get("template_id"):
                template = _template(request, post.get("template_id")) if str(post.get("template_id")).isdigit() \
                    else None
            html = sd.product_description_compose(template=template, body=post.get("body", ""),
                                                  image_urls=post.get("image_urls", ""))
        else:
            html = sd.compose(header=post.get("header", ""), notice=post.get("notice", ""),
                              body="<p>" + _("(상품별 본문이 여기에 들어갑니다)") + "</p>",
                              image_urls=sd.image_urls_parse(post.get("image_urls", ""), _("이미지 주소")),
                              footer=post.get("footer", ""))
    except ListingError as exc:
        errors = exc.errors
    return render(request, "listings/_description_preview.html", {"html": html, "errors": errors})


@screen_view("channels.listings")
def product_description(request, pk: int):
    """상세설명 만들기: one product's 상세설명 from a template + its own body and image blocks."""
    company = request.company
    product = company_product(request, pk)
    templates = list(DescriptionTemplate.objects.filter(company=company))
    errors: list[str] = []
    values = {"template_id": request.POST.get("template_id", "") if request.method == "POST" else "",
              "body": request.POST.get("body", "") if request.method == "POST" else "",
              "image_urls": request.POST.get("image_urls", "") if request.method == "POST" else ""}
    if request.method == "POST":
        template = None
        if values["template_id"]:
            template = next((t for t in templates if str(t.pk) == values["template_id"]), None)
            if template is None:
                errors.append(_("상세설명 템플릿을 찾을 수 없습니다."))
        if not errors:
            try:
                sd.product_description_save(company=company, product=product, template=template, body=values["body"],
                                            image_urls=values["image_urls"], user=request.user)
            except ListingError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("%(name)s의 상세설명을 저장했습니다. 쇼핑몰전송 때 모든 쇼핑몰에 보냅니다.") % {
                    "name": product.name})
                return redirect(reverse("channels:product_listing_fields", args=[product.pk]))
    return render(request, "listings/product_description.html", {
        "product": product, "templates": templates, "values": values, "errors": errors,
        "current": product_listing_fields(product).get("description_html", ""),
    }, status=400 if errors else 200)
