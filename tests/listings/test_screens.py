"""Listing screens without the network: search per channel, detail edit and option mapping, bulk edit
limited to one account and to the chosen listings, data migration by code (nothing sent to the
channel; mappings matching uses at once), permissions and company isolation."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from marketdock.channels.models import OptionMapping
from marketdock.listings import services
from marketdock.listings.models import Listing, ListingOption
from marketdock.orders.services import lines_find_matches
from tests.factories.channels import make_account
from tests.isolation import assert_isolated


def linked(company, account, product, pid, name="", price=12900):
    listing = Listing.objects.create(company=company, account=account, product=product, channel_product_id=pid,
                                     name=name or product.name, price=price, status=Listing.Status.LINKED)
    for sku in product.skus.all():
        ListingOption.objects.create(company=company, listing=listing, channel_option_id=f"{pid}-{sku.pk}",
                                     name=sku.option_text, sku=sku)
    return listing


def test_search_filters_by_channel_and_text(admin_client, company, tshirt):
    naver, coupang = make_account(company), make_account(company, "쿠팡", "coupang")
    linked(company, naver, tshirt, "N-100", name="네이버용 반팔")
    linked(company, coupang, tshirt, "C-200", name="쿠팡용 반팔")
    page = admin_client.get(reverse("channels:listing_list"), {"account": coupang.pk}).content.decode()
    assert "쿠팡용 반팔" in page and "네이버용 반팔" not in page
    page = admin_client.get(reverse("channels:listing_list"), {"q": "N-100"}).content.decode()
    assert "네이버용 반팔" in page and "쿠팡용 반팔" not in page


def test_detail_edit_and_bad_price(admin_client, company, tshirt):
    listing = linked(company, make_account(company), tshirt, "N-1")
    url = reverse("channels:listing_detail", args=[listing.pk])
    data = {"action": "save", "name": "새 이름", "price": "15000", "sale_status": "on_sale", "allocation_rule": "buffer",
            "allocation_value": "2"}
    assert admin_client.post(url, data).status_code == 302
    listing.refresh_from_db()
    assert (listing.name, listing.price, listing.allocation_rule, listing.allocation_value) == ("새 이름", 15000, "buffer", 2)
    response = admin_client.post(url, {**data, "price": "abc"}, follow=True)
    assert "판매가 'abc'은(는) 숫자가 아닙니다" in unescape(response.content.decode())
    listing.refresh_from_db()
    assert listing.price == 15000


def test_mapping_an_option_on_the_detail_screen_is_used_by_order_matching(admin_client, company, tshirt):
    account = make_account(company)
    listing = Listing.objects.create(company=company, account=account, product=tshirt, channel_product_id="N-9",
                                     name="x", status=Listing.Status.LINKED)
    option = ListingOption.objects.create(company=company, listing=listing, channel_option_id="OPT-1", name="블랙")
    black = tshirt.skus.order_by("id").first()
    admin_client.post(reverse("channels:listing_detail", args=[listing.pk]),
                      {"action": "map", "option": option.pk, "sku_code": black.code, "quantity": "2"})
    mapping = OptionMapping.objects.get(company=company, account=account, channel_product_id="N-9")
    assert (mapping.channel_option_id, mapping.sku_id, mapping.quantity, mapping.source) == ("OPT-1", black.pk, 2, "listing")

    class Line:  # the fields matching reads from an order line
        account_id, channel_product_id, channel_option_id = account.pk, "N-9", "OPT-1"
        seller_option_code = seller_product_code = match_key = ""
    found = lines_find_matches(company, [Line()])
    assert found[0].components == [(black.pk, 2)]
    response = admin_client.post(reverse("channels:listing_detail", args=[listing.pk]),
                                 {"action": "map", "option": option.pk, "sku_code": "NOPE", "quantity": "1"}, follow=True)
    assert "단품코드 'NOPE'을(를) 찾을 수 없습니다" in unescape(response.content.decode())


def test_bulk_edit_changes_only_the_chosen_listings_of_one_account(company, tshirt):
    from tests.factories.catalog import make_product
    naver = make_account(company)
    a = linked(company, naver, tshirt, "N-1", price=10000)
    b = linked(company, naver, make_product(company, "P-2"), "N-2", price=20000)
    c = linked(company, naver, make_product(company, "P-3"), "N-3", price=30000)
    services.listings_bulk_edit(company=company, account=naver, listing_ids=[a.pk, b.pk],
                                changes={"price_delta": -1000, "name_prefix": "[특가]", "sale_status": "stopped"})
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert (a.price, b.price, c.price) == (9000, 19000, 30000)
    assert a.name.startswith("[특가] ") and not c.name.startswith("[특가]")
    assert (a.sale_status, c.sale_status) == ("stopped", "on_sale")


def test_bulk_edit_refuses_two_accounts_and_bad_values_without_changing_anything(company, tshirt):
    from tests.factories.catalog import make_product
    naver, coupang = make_account(company), make_account(company, "쿠팡", "coupang")
    a = linked(company, naver, tshirt, "N-1", price=500)
    b = linked(company, coupang, make_product(company, "P-2"), "C-2", price=20000)
    with pytest.raises(services.ListingError, match="한 쇼핑몰 계정의 상품만"):
        services.listings_bulk_edit(company=company, account=naver, listing_ids=[a.pk, b.pk], changes={"price": 1})
    with pytest.raises(services.ListingError, match="0원보다 작습니다"):
        services.listings_bulk_edit(company=company, account=naver, listing_ids=[a.pk], changes={"price_delta": -1000})
    with pytest.raises(services.ListingError, match="바꿀 항목"):
        services.listings_bulk_edit(company=company, account=naver, listing_ids=[a.pk], changes={})
    a.refresh_from_db()
    assert a.price == 500


def test_bulk_edit_screen_refuses_listings_of_two_accounts(admin_client, company, tshirt):
    from tests.factories.catalog import make_product
    a = linked(company, make_account(company), tshirt, "N-1")
    b = linked(company, make_account(company, "쿠팡", "coupang"), make_product(company, "P-2"), "C-2")
    response = admin_client.post(reverse("channels:listing_bulk_edit"), {"ids": [a.pk, b.pk]}, follow=True)
    assert "한 쇼핑몰 계정의 상품만" in unescape(response.content.decode())
    page = admin_client.post(reverse("channels:listing_bulk_edit"), {"ids": [a.pk]}).content.decode()
    assert 'data-testid="bulk-basic"' in page


def test_migration_links_by_code_and_matching_uses_it(admin_client, company, tshirt):
    account = make_account(company)
    black, white = tshirt.skus.order_by("id")
    rows = f"단품코드\t연동상품코드\t옵션코드\t수량\n{black.code}\t777\tOB\t1\n{white.code}\t777\tOW\t2\n"
    response = admin_client.post(reverse("channels:listing_migrate"), {"account": account.pk, "rows": rows})
    assert response.status_code == 200
    page = response.content.decode()
    assert "코드만 연결합니다" in page and 'data-testid="migrate-result"' in page
    listing = Listing.objects.get(company=company, account=account, channel_product_id="777")
    assert listing.status == "linked" and listing.product_id == tshirt.pk and listing.last_synced_at is None
    got = set(OptionMapping.objects.filter(company=company, account=account).values_list(
        "channel_product_id", "channel_option_id", "sku_id", "quantity", "source"))
    assert got == {("777", "OB", black.pk, 1, "listing"), ("777", "OW", white.pk, 2, "listing")}
    # running it again changes nothing (idempotent)
    admin_client.post(reverse("channels:listing_migrate"), {"account": account.pk, "rows": rows})
    assert Listing.objects.filter(company=company).count() == 1
    assert OptionMapping.objects.filter(company=company).count() == 2


@pytest.mark.parametrize(("rows", "message"), [
    ("NOPE\t1\n", "1행: 단품코드 'NOPE'을(를) 찾을 수 없습니다"),
    ("TS-001\t1\n", "1행: 상품 'TS-001'은(는) 단품이 여러 개입니다"),
    ("\t1\n", "1행: 단품코드와 연동상품코드를 모두 입력하세요"),
    ("X\t1\t\t0\n", "1행: 수량은 1 이상"),
    ("", "연결할 행이 없습니다"),
])
def test_migration_bad_rows_name_the_row_and_apply_nothing(admin_client, company, tshirt, rows, message):
    account = make_account(company)
    black = tshirt.skus.first()
    text = f"{black.code}\t555\n" + rows.replace("1\n", "1\n", 1) if rows else ""
    response = admin_client.post(reverse("channels:listing_migrate"), {"account": account.pk, "rows": text}, follow=True)
    body = unescape(response.content.decode())
    assert message.replace("1행", "2행") in body or message in body
    assert not Listing.objects.exists() and not OptionMapping.objects.exists()


def test_migration_refuses_a_code_already_linked_to_another_product(company, tshirt):
    from tests.factories.catalog import make_product
    account = make_account(company)
    linked(company, account, make_product(company, "P-2", name="다른상품"), "900")
    black = tshirt.skus.first()
    with pytest.raises(services.ListingError, match="이미 다른 상품\\(다른상품\\)"):
        services.listings_link_by_code(company=company, account=account,
                                       rows=services.link_rows_parse(f"{black.code}\t900\tX\n"))


def test_viewer_reads_but_cannot_change(viewer_client, company, tshirt):
    account = make_account(company)
    listing = linked(company, account, tshirt, "N-1")
    assert viewer_client.get(reverse("channels:listing_list")).status_code == 200
    assert viewer_client.get(reverse("channels:listing_detail", args=[listing.pk])).status_code == 200
    for name in ("listing_bulk_edit", "listing_send", "listing_sync", "listing_import", "listing_migrate",
                 "listing_register"):
        assert viewer_client.post(reverse(f"channels:{name}"), {"ids": [listing.pk], "account": account.pk,
                                                                "rows": "x\t1"}).status_code == 403, name
    assert viewer_client.post(reverse("channels:listing_detail", args=[listing.pk]),
                              {"action": "save", "name": "바뀜", "price": "1"}).status_code == 403
    listing.refresh_from_db()
    assert listing.name != "바뀜"


def test_another_company_gets_404_and_cannot_act_on_our_listings(other_client, other_company, company, tshirt):
    account = make_account(company)
    listing = linked(company, account, tshirt, "N-SECRET", name="비밀상품명")
    assert_isolated(other_client, [reverse("channels:listing_detail", args=[listing.pk])], secrets=("비밀상품명", "N-SECRET"))
    # ids of another company in a bulk action are simply not found
    other_client.post(reverse("channels:listing_bulk_edit"), {"ids": [listing.pk], "apply": "1", "group": "basic",
                                                              "price": "1"})
    other_client.post(reverse("channels:listing_migrate"), {"account": account.pk, "rows": "TS-001-X\t1"})
    assert other_client.post(reverse("channels:listing_sync"), {"account": account.pk}).status_code == 404
    assert other_client.post(reverse("channels:listing_import"), {"account": account.pk}).status_code == 404
    listing.refresh_from_db()
    assert listing.price == 12900
    assert not Listing.objects.filter(company=other_company).exists()
    page = other_client.get(reverse("channels:listing_list")).content.decode()
    assert "비밀상품명" not in page
