"""Products, option axes → SKU grid, barcodes, sets (CAT-1, CAT-2, CAT-3, CAT-7)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from marketdock.catalog import options, selectors, services
from marketdock.catalog.models import SKU, Product, SetComponent, SKUStatus
from tests.factories.catalog import brand, make_product
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def test_option_axes_generate_the_sku_grid(company, tshirt):
    skus = list(tshirt.skus.order_by("sort_order"))
    assert [s.option_text for s in skus] == ["블랙 / S", "블랙 / M", "블랙 / L", "화이트 / S", "화이트 / M", "화이트 / L"]
    assert [s.code for s in skus] == [f"TS-001-{n}" for n in range(1, 7)]
    assert all(s.barcode == s.code for s in skus), "barcode defaults to the SKU code"
    assert skus[0].option_values == {"색상": "블랙", "사이즈": "S"}
    assert skus[0].price == 12900


def test_product_without_options_gets_one_sku_with_the_product_code(company):
    p = make_product(company, "KT-002")
    assert list(p.skus.values_list("code", "option_text")) == [("KT-002", "")]


def test_code_pattern_builds_sku_codes(company):
    p = services.product_save(company=company, product=None, data={"code": "PT", "name": "바지", "price": 1000},
                              axes=[{"name": "사이즈", "values": ["S", "M"]}], code_pattern="{code}-{opt1}")
    assert sorted(p.skus.values_list("code", flat=True)) == ["PT-M", "PT-S"]


def test_changing_axes_keeps_existing_skus_and_deactivates_referenced_ones(company, tshirt):
    black_s = SKU.objects.get(company=company, code="TS-001-1")
    white_l = SKU.objects.get(company=company, code="TS-001-6")
    black_s.barcode = "8801234567893"
    black_s.save()
    # white/L is in a set: it must survive (deactivated) when 'L' disappears
    gift_set = make_product(company, "SET-1")
    services.set_components_replace(company=company, set_sku=gift_set.skus.get(), components=[("TS-001-6", 2)])
    data = {"code": "TS-001", "name": "베이직 반팔 티셔츠", "price": 12900}
    services.product_save(company=company, product=tshirt, data=data,
                          axes=[{"name": "색상", "values": ["블랙", "화이트", "네이비"]}, {"name": "사이즈", "values": ["S", "M"]}])
    black_s.refresh_from_db()
    assert black_s.barcode == "8801234567893", "existing SKU kept with its edits"
    white_l.refresh_from_db()
    assert white_l.status == SKUStatus.INACTIVE
    assert not SKU.objects.filter(company=company, code="TS-001-3").exists(), "unreferenced black/L deleted"
    active = tshirt.skus.exclude(status=SKUStatus.INACTIVE)
    assert sorted(active.values_list("option_text", flat=True)) == sorted(
        ["블랙 / S", "블랙 / M", "화이트 / S", "화이트 / M", "네이비 / S", "네이비 / M"])
    new_codes = set(active.values_list("code", flat=True)) - {f"TS-001-{n}" for n in range(1, 7)}
    assert len(new_codes) == 2 and not (new_codes & set(SKU.objects.exclude(product=tshirt).values_list("code", flat=True)))


@pytest.mark.parametrize("axes, message", [
    ([{"name": "색상", "values": ["블랙", "블랙"]}], "두 번"),
    ([{"name": "", "values": ["블랙"]}], "옵션명"),
    ([{"name": "색상", "values": []}], "옵션값"),
    ([{"name": "a", "values": ["1"]}, {"name": "a", "values": ["2"]}], "두 번"),
    ([{"name": n, "values": ["x"]} for n in "abcd"], "3개"),
])
def test_bad_option_axes_are_refused(company, axes, message):
    with pytest.raises(services.CatalogError) as exc:
        services.product_save(company=company, product=None, data={"code": "X1", "name": "x", "price": 1}, axes=axes)
    assert message in str(exc.value)
    assert not Product.objects.filter(company=company).exists()


@given(st.lists(st.lists(st.sampled_from("ABCDEFG"), min_size=1, max_size=4, unique=True), min_size=0, max_size=3))
@settings(max_examples=50, deadline=None)
def test_combinations_cover_the_cartesian_product(value_lists):
    axes = [{"name": f"옵션{i}", "values": vals} for i, vals in enumerate(value_lists)]
    combos = options.combinations(axes)
    expected = 1
    for vals in value_lists:
        expected *= len(vals)
    assert len(combos) == expected
    assert len({options.option_key(c) for c in combos}) == expected


def test_barcode_unique_per_company(company, other_company, tshirt):
    a, b = tshirt.skus.order_by("sort_order")[:2]
    services.sku_barcode_update(company=company, sku=a, barcode="8801234567893")
    with pytest.raises(services.CatalogError) as exc:
        services.sku_barcode_update(company=company, sku=b, barcode="8801234567893")
    assert "이미" in str(exc.value) and a.code in str(exc.value)
    # another company may use the same barcode
    other = make_product(other_company, "O-1")
    services.sku_barcode_update(company=other_company, sku=other.skus.get(), barcode="8801234567893")


def test_duplicate_barcode_in_the_grid_is_refused(company):
    rows = [services.SkuRow(option_values={"색상": "블랙"}, barcode="DUP"),
            services.SkuRow(option_values={"색상": "화이트"}, barcode="DUP")]
    with pytest.raises(services.CatalogError) as exc:
        services.product_save(company=company, product=None, data={"code": "D", "name": "d", "price": 1},
                              axes=[{"name": "색상", "values": ["블랙", "화이트"]}], rows=rows)
    assert any(e.row == 1 and e.field == "barcode" for e in exc.value.errors)


def test_set_validation(company, tshirt):
    set_sku = make_product(company, "SET-1").skus.get()
    other_set = make_product(company, "SET-2").skus.get()
    services.set_components_replace(company=company, set_sku=other_set, components=[("TS-001-2", 1)])
    for components, message in [
        ([("SET-1", 1)], "자기 자신"),
        ([("SET-2", 1)], "세트상품"),
        ([("NOPE", 1)], "찾을 수 없습니다"),
        ([("TS-001-1", 0)], "수량"),
        ([("TS-001-1", 1), ("TS-001-1", 2)], "두 번"),
        ([], "하나 이상"),
    ]:
        with pytest.raises(services.CatalogError) as exc:
            services.set_components_replace(company=company, set_sku=set_sku, components=components)
        assert message in str(exc.value), components
    # a component of a set cannot itself become a set
    component = SKU.objects.get(company=company, code="TS-001-2")
    with pytest.raises(services.CatalogError):
        services.set_components_replace(company=company, set_sku=component, components=[("TS-001-1", 1)])
    services.set_components_replace(company=company, set_sku=set_sku, components=[("TS-001-1", 2), ("TS-001-4", 1)])
    set_sku.refresh_from_db()
    assert set_sku.is_set
    c1, c4 = SKU.objects.get(company=company, code="TS-001-1"), SKU.objects.get(company=company, code="TS-001-4")
    assert selectors.set_components(company, [set_sku.pk, c1.pk]) == {set_sku.pk: [(c1.pk, 2), (c4.pk, 1)]}


def test_set_components_selector_is_company_scoped(company, other_company, tshirt):
    set_sku = make_product(company, "SET-1").skus.get()
    services.set_components_replace(company=company, set_sku=set_sku, components=[("TS-001-1", 1)])
    assert selectors.set_components(other_company, [set_sku.pk]) == {}


def test_gift_flag(company):
    gift = make_product(company, "GF-1", price=0).skus.get()
    services.sku_gift_set(company=company, sku=gift, is_gift=True)
    gift.refresh_from_db()
    assert gift.is_gift


# ---------------------------------------------------------------- screens


def _grid_post(code: str, axes: list[tuple[str, str]], rows: list[dict] | None = None, **extra) -> dict:
    data = {"code": code, "name": "테스트 상품", "price": "15000", "cost": "5000", "tax_type": "taxable",
            "status": "on_sale", "inventory_managed": "on", "action": "save"}
    for i, (name, values) in enumerate(axes, start=1):
        data[f"axis_name_{i}"] = name
        data[f"axis_values_{i}"] = values
    rows = rows or []
    data["sku-count"] = str(len(rows))
    for i, row in enumerate(rows):
        data[f"sku-{i}-options"] = json.dumps(row.get("options", {}), ensure_ascii=False)
        for key in ("id", "code", "barcode", "price_delta", "status", "safety_stock", "reorder_point"):
            if key in row:
                data[f"sku-{i}-{key}"] = row[key]
        data.setdefault(f"sku-{i}-status", "active")
    data.update(extra)
    return data


def test_create_product_through_the_screen(admin_client, company):
    url = reverse("catalog:product_create")
    axes = [("색상", "블랙, 화이트"), ("사이즈", "S, M")]
    combos = [{"색상": c, "사이즈": s} for c in ("블랙", "화이트") for s in ("S", "M")]
    rows = [{"options": o} for o in combos]
    rows[1]["price_delta"] = "1000"
    rows[2]["barcode"] = "8801234567893"
    r = admin_client.post(url, _grid_post("NEW-1", axes, rows))
    assert r.status_code == 302, r.content.decode()[:2000]
    p = Product.objects.get(company=company, code="NEW-1")
    assert p.skus.count() == 4
    assert p.skus.get(option_text="블랙 / M").price == 16000
    assert p.skus.get(option_text="화이트 / S").barcode == "8801234567893"


def test_saving_changed_options_saves_in_one_click_and_says_what_was_rebuilt(admin_client, company):
    url = reverse("catalog:product_create")
    # options typed, SKU list never generated: one 저장 makes the product with all four SKUs
    r = admin_client.post(url, _grid_post("ONE-1", [("색상", "블랙, 화이트"), ("사이즈", "S, M")]))
    assert r.status_code == 302, r.content.decode()[:2000]
    product = Product.objects.get(company=company, code="ONE-1")
    assert sorted(product.skus.values_list("option_text", flat=True)) == [
        "블랙 / M", "블랙 / S", "화이트 / M", "화이트 / S"]
    before = {s.option_text: s for s in product.skus.all()}
    # the grid on the page is the old one (four rows, a price typed on one); the options change
    rows = [{"options": s.option_values, "id": str(s.pk), "code": s.code} for s in before.values()]
    rows[[r["options"] for r in rows].index({"색상": "블랙", "사이즈": "S"})]["price_delta"] = "500"
    edit = reverse("catalog:product_edit", args=[product.pk])
    r = admin_client.post(edit, _grid_post("ONE-1", [("색상", "블랙, 네이비"), ("사이즈", "S, M")], rows), follow=True)
    body = r.content.decode()
    assert r.redirect_chain and r.redirect_chain[-1][0] == edit  # saved with one click
    now = {s.option_text: s for s in product.skus.exclude(status="inactive")}
    assert sorted(now) == ["네이비 / M", "네이비 / S", "블랙 / M", "블랙 / S"]
    assert now["블랙 / S"].pk == before["블랙 / S"].pk and now["블랙 / S"].price_delta == 500  # typed value kept
    assert "옵션이 바뀌어 단품 목록을 다시 만들었습니다." in body and "새 단품 2개" in body
    assert "그대로 둔 단품 2개" in body
    assert before["화이트 / S"].code in body and now["네이비 / M"].code in body  # named, not only counted


def test_regenerate_grid_with_htmx_returns_the_grid(admin_client, company):
    r = admin_client.post(reverse("catalog:product_create"), _grid_post("N2", [("색상", "빨강, 파랑, 초록")], action="regenerate"),
                          HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and body.count('data-testid="sku-row"') == 3 and "초록" in body


def test_screen_shows_row_errors_for_duplicate_barcode(admin_client, company, tshirt):
    rows = [{"options": {"색상": "A"}, "barcode": "TS-001-1"}]
    r = admin_client.post(reverse("catalog:product_create"), _grid_post("N3", [("색상", "A")], rows))
    assert r.status_code == 400
    assert "이미 다른 단품에서 쓰고 있습니다" in r.content.decode()
    assert not Product.objects.filter(company=company, code="N3").exists()


def test_bad_product_form_input_gives_clear_errors(admin_client, company, tshirt):
    data = _grid_post("TS-001", [], [{"options": {}}])
    data["price"] = "만원"
    r = admin_client.post(reverse("catalog:product_create"), data)
    assert r.status_code == 400
    assert "정수" in r.content.decode() or "whole number" in r.content.decode()


def test_product_list_filters(admin_client, company, tshirt):
    b = brand(company, "B1", "브랜드원")
    top = services.category_create(company=company, name="의류")
    sub = services.category_create(company=company, name="상의", parent=top)
    make_product(company, "CAT-IN", name="분류상품", category=sub, brand=b)
    make_product(company, "CAT-OUT", name="다른상품")
    url = reverse("catalog:product_list")

    def codes(**params):
        r = admin_client.get(url, params)
        assert r.status_code == 200
        return {p.code for p in r.context["page"]}

    assert codes(category=top.pk) == {"CAT-IN"}, "category filter includes descendants"
    assert codes(brand=b.pk) == {"CAT-IN"}
    assert codes(q="TS-001-3") == {"TS-001"}, "search by SKU code/barcode finds the product"
    assert codes(q="분류") == {"CAT-IN"}
    assert codes(status="sold_out") == set()
    assert codes(sort="code") == {"TS-001", "CAT-IN", "CAT-OUT"}


def test_bulk_status_change_reports_per_row(admin_client, company, tshirt):
    r = admin_client.post(reverse("catalog:product_list"), {"product": [tshirt.pk, 999999], "status": "sold_out"})
    assert r.status_code == 200
    results = r.context["results"]
    assert [x["ok"] for x in results] == [True, False]
    tshirt.refresh_from_db()
    assert tshirt.status == "sold_out"


def test_product_export_is_reuploadable_xlsx(admin_client, company, tshirt):
    import io

    from openpyxl import load_workbook

    r = admin_client.get(reverse("catalog:product_export"))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].startswith("상품코드") and len(rows) == 1 + 6


def test_barcode_screen_inline_edit_and_duplicate_message(admin_client, company, tshirt):
    a, b = tshirt.skus.order_by("sort_order")[:2]
    url = reverse("catalog:barcode_update", args=[a.pk])
    r = admin_client.post(url, {"barcode": "BC-NEW"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    a.refresh_from_db()
    assert a.barcode == "BC-NEW"
    r = admin_client.post(reverse("catalog:barcode_update", args=[b.pk]), {"barcode": "BC-NEW"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422
    assert "이미 단품" in r.content.decode() and a.code in r.content.decode()
    b.refresh_from_db()
    assert b.barcode != "BC-NEW"
    r = admin_client.get(reverse("catalog:barcodes"), {"q": "BC-NEW"})
    assert r.status_code == 200 and len(r.context["page"]) == 1


def test_set_screen(admin_client, company, tshirt):
    set_sku = make_product(company, "SET-9").skus.get()
    r = admin_client.post(reverse("catalog:sku_set", args=[set_sku.pk]), {"component": ["TS-001-1", "SET-9"], "quantity": ["1", "1"]})
    assert r.status_code == 302
    assert not SetComponent.objects.filter(set_sku=set_sku).exists()
    r = admin_client.post(reverse("catalog:sku_set", args=[set_sku.pk]), {"component": ["TS-001-1", ""], "quantity": ["3", "1"]})
    assert SetComponent.objects.get(set_sku=set_sku).quantity == 3


def test_viewer_can_read_but_not_write(viewer_client, company, tshirt):
    sku = tshirt.skus.first()
    assert viewer_client.get(reverse("catalog:product_list")).status_code == 200
    assert viewer_client.get(reverse("catalog:product_edit", args=[tshirt.pk])).status_code == 200
    for url, data in [
        (reverse("catalog:product_create"), _grid_post("V1", [], [{"options": {}}])),
        (reverse("catalog:product_edit", args=[tshirt.pk]), {"name": "x"}),
        (reverse("catalog:product_list"), {"product": [tshirt.pk], "status": "sold_out"}),
        (reverse("catalog:product_delete", args=[tshirt.pk]), {}),
        (reverse("catalog:barcode_update", args=[sku.pk]), {"barcode": "V"}),
        (reverse("catalog:sku_set", args=[sku.pk]), {"component": ["TS-001-2"], "quantity": ["1"]}),
        (reverse("catalog:category_list"), {"name": "x"}),
        (reverse("catalog:image_bulk"), {}),
        (reverse("catalog:excel"), {}),
        (reverse("catalog:labels"), {"sku": [sku.pk], f"qty-{sku.pk}": "1", "layout": "a4_3x8"}),
    ]:
        assert viewer_client.post(url, data).status_code == 403, url
    assert not Product.objects.filter(company=company, code="V1").exists()
    tshirt.refresh_from_db()
    assert tshirt.status == "on_sale"


def test_product_delete(admin_client, company, tshirt):
    p = make_product(company, "DEL-1")
    assert admin_client.post(reverse("catalog:product_delete", args=[p.pk])).status_code == 302
    assert not Product.objects.filter(pk=p.pk).exists()
    # a SKU used in a set keeps its product
    set_sku = make_product(company, "SET-1").skus.get()
    services.set_components_replace(company=company, set_sku=set_sku, components=[("TS-001-1", 1)])
    admin_client.post(reverse("catalog:product_delete", args=[tshirt.pk]))
    assert Product.objects.filter(pk=tshirt.pk).exists()


def test_company_isolation_of_product_screens(other_client, company, tshirt):
    sku = tshirt.skus.first()
    set_sku = make_product(company, "SET-SECRET", name="비밀세트").skus.get()
    assert_isolated(other_client, [
        reverse("catalog:product_edit", args=[tshirt.pk]),
        reverse("catalog:product_delete", args=[tshirt.pk]),
        reverse("catalog:product_images", args=[tshirt.pk]),
        reverse("catalog:barcode_update", args=[sku.pk]),
        reverse("catalog:sku_set", args=[set_sku.pk]),
    ], secrets=("베이직 반팔 티셔츠", "비밀세트"))
    # lists of the other company never show our products
    for name in ("catalog:product_list", "catalog:barcodes"):
        assert "베이직 반팔 티셔츠" not in other_client.get(reverse(name), {"q": "TS"}).content.decode()
    assert "TS-001" not in other_client.get(reverse("catalog:labels"), {"q": "TS", "sku": [sku.pk]}).content.decode()
