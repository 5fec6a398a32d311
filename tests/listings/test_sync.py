"""Stock push (LST-7): every stock change marks the affected listings in its own transaction; push cycles
coalesce them per account; values are computed at delivery; auto stop-sale/resume; compare-and-set;
one channel's outage neither delays the others nor loses anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from marketdock.channels.connectors.errors import AuthError
from marketdock.inventory import services as inventory
from marketdock.inventory.services import InsufficientStock
from marketdock.listings import services as services_sync
from marketdock.listings.models import AllocationRule, Listing, SaleStatus
from marketdock.listings.models_sync import ListingDirty, ListingSyncState, SyncPush
from marketdock.outbox.models import OutboxMessage
from marketdock.outbox.services import outbox_deliver_due
from tests.factories.catalog import make_set, make_sku
from tests.factories.channels import make_account

from .sync_helpers import FakeShop, install_fake, link, push_all, warehouse


@pytest.fixture
def setup(company, monkeypatch):
    wh = warehouse(company)
    sku = make_sku(company)
    naver, coupang = make_account(company, "스마트스토어"), make_account(company, "쿠팡", "coupang")
    shops = {naver.pk: FakeShop(), coupang.pk: FakeShop()}
    install_fake(monkeypatch, shops)
    a = link(company, naver, "N-1", {"": [(sku, 1)]})
    b = link(company, coupang, "C-1", {"v-1": [(sku, 2)]})  # 2-pack
    return {"wh": wh, "sku": sku, "naver": naver, "coupang": coupang, "shops": shops, "a": a, "b": b}


def inbound(company, sku, wh, qty):
    return inventory.stock_adjust(company=company, sku_id=sku.pk, warehouse_id=wh.pk, quantity=qty, reason="입고")


def test_a_stock_change_marks_its_listings_in_the_same_transaction(company, other_company, setup):
    sku, wh = setup["sku"], setup["wh"]
    with pytest.raises(RuntimeError), transaction.atomic():
        inbound(company, sku, wh, 5)
        assert ListingDirty.objects.filter(company=company).count() == 2
        raise RuntimeError("rolled back")
    assert not ListingDirty.objects.exists()  # the change and its marks went together
    inbound(company, sku, wh, 5)
    assert set(ListingDirty.objects.values_list("listing_id", flat=True)) == {setup["a"].pk, setup["b"].pk}
    # a refused change (not enough stock) marks nothing
    ListingDirty.objects.all().delete()
    with pytest.raises(InsufficientStock):
        inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 99, ("order_line", 1))])
    assert not ListingDirty.objects.exists()
    # another company's SKU with the same listings ids untouched
    other_wh = warehouse(other_company)
    other_sku = make_sku(other_company)
    inbound(other_company, other_sku, other_wh, 3)
    assert not ListingDirty.objects.exists()


def test_every_kind_of_stock_change_pushes(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    naver, coupang = shops[setup["naver"].pk], shops[setup["coupang"].pk]
    inbound(company, sku, wh, 10)
    push_all(company)
    assert naver.stock[("N-1", "")] == 10 and coupang.stock[("C-1", "v-1")] == 5
    inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 3, ("order_line", 7))])  # order reserved
    push_all(company)
    assert naver.stock[("N-1", "")] == 7 and coupang.stock[("C-1", "v-1")] == 3
    inventory.stock_release(company=company, lines=[(sku.pk, wh.pk, 1, ("order_line", 7))])  # partly cancelled
    push_all(company)
    assert naver.stock[("N-1", "")] == 8
    inventory.stock_deduct(company=company, lines=[(sku.pk, wh.pk, 2, ("order_line", 7))])  # shipped
    push_all(company)
    assert naver.stock[("N-1", "")] == 8  # shipping reserved stock does not change what is available
    inventory.stock_return(company=company, lines=[(sku.pk, wh.pk, 2, ("return", 1))])
    push_all(company)
    assert naver.stock[("N-1", "")] == 10 and coupang.stock[("C-1", "v-1")] == 5
    sheet = inventory.count_sheet_create(company=company, warehouse=wh)
    line = sheet.lines.get()
    inventory.count_sheet_set_counts(company=company, sheet=sheet, counts={line.pk: 4})
    inventory.count_sheet_apply(company=company, sheet=sheet)
    push_all(company)
    assert naver.stock[("N-1", "")] == 4 and coupang.stock[("C-1", "v-1")] == 2


def test_many_changes_coalesce_into_one_call_per_account(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    for _ in range(6):
        inbound(company, sku, wh, 1)
    assert ListingDirty.objects.count() == 12
    push_all(company)
    for acc in ("naver", "coupang"):
        calls = [c for c in shops[setup[acc].pk].calls if c[0] == "update_stock"]
        assert len(calls) == 1 and len(calls[0][1]) == 1  # one call, one item for the listing
    assert shops[setup["naver"].pk].stock[("N-1", "")] == 6
    assert not ListingDirty.objects.exists()
    push = SyncPush.objects.get(account=setup["naver"])
    assert push.status == SyncPush.Status.SENT and push.listings == 1 and len(push.lags_ms) == 1


def test_a_value_the_channel_already_has_is_not_sent_again(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    Listing.objects.filter(pk=setup["a"].pk).update(allocation_rule=AllocationRule.FIXED, allocation_value=3)
    inbound(company, sku, wh, 10)
    push_all(company)
    naver = shops[setup["naver"].pk]
    assert naver.stock[("N-1", "")] == 3
    before = len(naver.calls)
    inbound(company, sku, wh, 5)  # still shows 3 on this channel
    push_all(company)
    assert len(naver.calls) == before
    assert shops[setup["coupang"].pk].stock[("C-1", "v-1")] == 7


def test_auto_stop_sale_at_zero_and_resume_on_restock(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    naver = shops[setup["naver"].pk]
    inbound(company, sku, wh, 2)
    push_all(company)
    inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 2, ("order_line", 1))])
    push_all(company)
    setup["a"].refresh_from_db()
    assert naver.stock[("N-1", "")] == 0 and naver.on_sale["N-1"] is False
    assert setup["a"].sale_status == SaleStatus.SOLD_OUT
    inbound(company, sku, wh, 4)
    push_all(company)
    setup["a"].refresh_from_db()
    assert naver.stock[("N-1", "")] == 4 and naver.on_sale["N-1"] is True
    assert setup["a"].sale_status == SaleStatus.ON_SALE


def test_a_listing_stopped_by_hand_is_not_resumed_and_settings_are_honoured(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    Listing.objects.filter(pk=setup["a"].pk).update(sale_status=SaleStatus.STOPPED)
    services_sync.account_sync_settings_update(company=company, account=setup["coupang"], auto_stop=False,
                                               auto_resume=True)
    inbound(company, sku, wh, 1)  # coupang 2-pack: 0
    push_all(company)
    coupang = shops[setup["coupang"].pk]
    assert coupang.stock[("C-1", "v-1")] == 0 and "C-1" not in coupang.on_sale  # auto stop is off
    assert shops[setup["naver"].pk].on_sale == {}  # stopped by hand: stays as the seller left it
    setup["a"].refresh_from_db()
    assert setup["a"].sale_status == SaleStatus.STOPPED


def test_one_channel_down_does_not_delay_the_others_and_loses_nothing(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    naver, coupang = shops[setup["naver"].pk], shops[setup["coupang"].pk]
    naver.down = True
    inbound(company, sku, wh, 10)
    push_all(company)
    assert coupang.stock[("C-1", "v-1")] == 5  # pushed at once
    message = OutboxMessage.objects.get(account=setup["naver"], kind="stock")
    assert message.status == OutboxMessage.Status.PENDING and "점검" in message.last_error
    # more changes while it is down: no second message piles up, the rows wait
    inbound(company, sku, wh, 4)
    push_all(company)
    assert coupang.stock[("C-1", "v-1")] == 7
    assert OutboxMessage.objects.filter(account=setup["naver"], kind="stock").count() == 1
    assert ListingDirty.objects.filter(account=setup["naver"]).exists()
    # back up: the retry sends the CURRENT value, once
    naver.down = False
    outbox_deliver_due(now=timezone.now() + timedelta(hours=2))
    push_all(company)
    assert naver.stock[("N-1", "")] == 14
    assert [len(c[1]) for c in naver.calls if c[0] == "update_stock"] == [1]
    assert not ListingDirty.objects.exists()


def test_compare_and_set_conflict_is_resolved_by_rereading(company, monkeypatch):
    wh = warehouse(company)
    sku = make_sku(company)
    shopify = make_account(company, "Shopify", "shopify")
    shop = FakeShop(cas=True)
    install_fake(monkeypatch, {shopify.pk: shop})
    link(company, shopify, "S-1", {"g-1": [(sku, 1)]})
    inbound(company, sku, wh, 10)
    push_all(company)
    assert shop.stock[("S-1", "g-1")] == 10
    first = shop.calls[-1][1][0]
    assert first.expected_quantity is None  # nothing known yet: plain write
    # a sale on Shopify we have not collected yet takes the channel to 9; then our stock rises by 5
    shop.stock[("S-1", "g-1")] = 9
    inbound(company, sku, wh, 5)
    push_all(company)
    writes = [c[1][0] for c in shop.calls if c[0] == "update_stock"][1:]
    assert [(w.quantity, w.expected_quantity) for w in writes] == [(15, 10), (9, 9)]
    assert shop.stock[("S-1", "g-1")] == 9  # never above what the channel shows after an unexplained drop
    # the collected order reserves its unit: the next push writes our value with the right expectation
    inventory.stock_reserve(company=company, lines=[(sku.pk, wh.pk, 1, ("order_line", 5))])
    push_all(company)
    assert shop.stock[("S-1", "g-1")] == 14
    assert SyncPush.objects.filter(account=shopify, conflicts=1).count() == 1


def test_a_refused_item_records_the_marketplace_message_and_is_not_retried_forever(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    shops[setup["naver"].pk].refuse[("N-1", "")] = ("104400", "판매중지된 상품은 재고를 수정할 수 없습니다")
    inbound(company, sku, wh, 3)
    push_all(company)
    state = ListingSyncState.objects.get(listing=setup["a"])
    assert state.last_error_code == "104400" and "판매중지" in state.last_error
    assert not ListingDirty.objects.exists()
    assert SyncPush.objects.get(account=setup["naver"]).status == SyncPush.Status.PARTIAL
    assert shops[setup["coupang"].pk].stock[("C-1", "v-1")] == 1


def test_a_push_refused_whole_goes_out_again_after_a_while(company, setup, monkeypatch):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    naver = shops[setup["naver"].pk]

    def refuse(items):
        raise AuthError("인증 토큰이 만료되었습니다", marketplace="naver", code="GW.AUTHN")

    monkeypatch.setattr(type(naver.connector()), "update_stock", lambda self, items: refuse(items))
    inbound(company, sku, wh, 3)
    push_all(company)
    message = OutboxMessage.objects.get(account=setup["naver"], kind="stock")
    assert message.status == OutboxMessage.Status.FAILED
    assert ListingDirty.objects.filter(account=setup["naver"]).exclude(claim="").exists()  # kept, not lost
    monkeypatch.undo()
    install_fake(monkeypatch, shops)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(minutes=10))
    push_all(company)
    assert naver.stock[("N-1", "")] == 3
    assert SyncPush.objects.filter(account=setup["naver"], status=SyncPush.Status.FAILED).count() == 1


def test_a_set_listing_moves_with_its_components(company, monkeypatch):
    wh = warehouse(company)
    cup, lid = make_sku(company), make_sku(company)
    gift = make_set(company, "GIFT", [(cup, 2), (lid, 1)])
    acc = make_account(company)
    shop = FakeShop()
    install_fake(monkeypatch, {acc.pk: shop})
    link(company, acc, "G-1", {"": [(gift, 1)]})
    inbound(company, cup, wh, 6)
    inbound(company, lid, wh, 10)
    push_all(company)
    assert shop.stock[("G-1", "")] == 3
    inventory.stock_reserve(company=company, lines=[(gift.pk, wh.pk, 1, ("order_line", 1))])  # the set sold
    push_all(company)
    assert shop.stock[("G-1", "")] == 2


def test_commit_starts_the_push_by_itself(company, setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inbound(company, setup["sku"], setup["wh"], 8)
    assert setup["shops"][setup["naver"].pk].stock[("N-1", "")] == 8
    assert setup["shops"][setup["coupang"].pk].stock[("C-1", "v-1")] == 4


def test_price_push(company, setup):
    listing = setup["a"]
    Listing.objects.filter(pk=listing.pk).update(price=15900)
    listing.refresh_from_db()
    services_sync.listings_mark_dirty(company=company, listings=[listing], kind="price")
    push_all(company)
    naver = setup["shops"][setup["naver"].pk]
    assert naver.prices == {"N-1": 15900}
    services_sync.listings_mark_dirty(company=company, listings=[listing], kind="price")
    push_all(company)
    assert len([c for c in naver.calls if c[0] == "update_price"]) == 1  # unchanged price not re-sent


def test_reconciliation_repairs_drift(company, setup):
    sku, wh, shops = setup["sku"], setup["wh"], setup["shops"]
    inbound(company, sku, wh, 10)
    push_all(company)
    naver = shops[setup["naver"].pk]
    naver.stock[("N-1", "")] = 2  # changed on the marketplace behind our back
    result = services_sync.stock_reconcile_account(account=setup["naver"])
    assert result["drifted"] == 1
    push_all(company)
    assert naver.stock[("N-1", "")] == 10
    assert services_sync.stock_reconcile_account(account=setup["naver"])["drifted"] == 0


def test_the_push_tells_the_connector_what_the_rows_know_and_only_changed_options_go_out(company, setup):
    """The connector is handed the marketplace product number, the price the channel holds (what we last
    pushed, else the import's snapshot) and every option with the stock it holds or is about to get, so
    it can write without reading; a Coupang option whose value did not change is not sent again."""
    sku, wh, coupang = setup["sku"], setup["wh"], setup["coupang"]
    other = make_sku(company)
    multi = link(company, coupang, "C-2", {"v-2": [(sku, 1)], "v-3": [(other, 1)]}, api_product_id="")
    multi.channel_snapshot = {"product_id": "C-2", "price": 12000, "options": [
        {"option_id": "v-2", "price_delta": 0, "stock": 0}, {"option_id": "v-3", "price_delta": 500, "stock": 0},
        {"option_id": "v-4", "price_delta": 900, "stock": 2}]}  # v-4: sold at the channel, not mapped here
    multi.save(update_fields=["channel_snapshot"])
    inbound(company, sku, wh, 4)
    inbound(company, other, wh, 6)
    push_all(company)
    shop = setup["shops"][coupang.pk]
    known = shop.known["C-2"]
    assert (known.product_id, known.price) == ("C-2", 12000)
    assert [(o.option_id, o.price_delta, o.stock) for o in known.options] == [("v-2", 0, 4), ("v-3", 500, 6),
                                                                             ("v-4", 900, None)]
    ListingSyncState.objects.filter(listing=multi).update(price_pushed=13000)
    shop.calls.clear()
    inbound(company, sku, wh, 1)  # 4 → 5: v-2 changes; v-3 does not, nor the 2-pack (5 // 2 == 4 // 2)
    push_all(company)
    sent = [(i.product_id, i.option_id, i.quantity) for name, items in shop.calls if name == "update_stock" for i in items]
    assert sent == [("C-2", "v-2", 5)]
    assert shop.known["C-2"].price == 13000
