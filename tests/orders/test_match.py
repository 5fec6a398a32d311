"""Matching (ORD-3): each way, manual match with a multiplier or a set, rules saved and re-applied to
waiting lines (with stock reserved), and the schedule claim (two claims → one wins)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from marketdock.catalog.models import SetComponent
from marketdock.channels.models import ChannelAccount
from marketdock.orders.models import MatchRule, MatchSource, MatchStatus, Order, OrderLine, StockState
from marketdock.orders.services import (
    MatchError,
    RuleScope,
    account_collect_claim,
    collection_schedule_claim,
    line_match_manual,
    match_key,
    match_rules_apply,
    normalize_text,
)
from tests.factories.catalog import make_stocked_sku
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest, reserved


@pytest.fixture
def account(company):
    return make_account_with_credentials(company)


def test_normalized_name_key_ignores_spacing_and_case():
    a = match_key(channel_product_id="", channel_option_id="", product_name=" 기모  팬츠 ", option_text="Black / M")
    b = match_key(channel_product_id="", channel_option_id="", product_name="기모 팬츠", option_text="black / m")
    assert a == b != match_key(channel_product_id="", channel_option_id="", product_name="기모 팬츠", option_text="L")
    assert normalize_text("Ｍ") == "m"  # full-width letters


def test_code_matches_barcode_and_seller_product_code(company, account):
    sku = make_stocked_sku(company, "SKU-BC", barcode="8801234567890")
    ingest(account, [co("1", "1-1", seller_option_code="8801234567890"),
                     co("2", "2-1", seller_product_code="SKU-BC")])
    assert {ln.match_source for ln in OrderLine.objects.filter(company=company)} == {MatchSource.CODE}
    assert all(ln.components.get().sku == sku for ln in OrderLine.objects.filter(company=company))


def test_manual_match_with_multiplier_saved_as_rule_and_reapplied(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-M", stock=20)
    ingest(account, [co("1", "1-1", channel_option_id="OPT", quantity=3),
                     co("2", "2-1", channel_option_id="OPT", quantity=1),
                     co("3", "3-1", channel_option_id="OTHER")])
    first = OrderLine.objects.get(channel_line_id="1-1")
    result = line_match_manual(company=company, line=first, components=[(sku.pk, 2)], save_rule=True, user=admin_user)
    assert result["matched"] == 2 and result["reserved"] == 2  # both waiting lines with the same key
    assert first.components.get().quantity == 6  # 1+1 × 3 ordered
    assert reserved(company, sku) == 6 + 2
    assert Order.objects.get(channel_order_id="1").stock_state == StockState.RESERVED
    assert OrderLine.objects.get(channel_line_id="3-1").match_status == MatchStatus.UNMATCHED
    rule = result["rule"]
    assert rule.components.get().quantity == 2

    ingest(account, [co("4", "4-1", channel_option_id="OPT", quantity=2)])  # a future line matches by the rule
    line = OrderLine.objects.get(channel_line_id="4-1")
    assert line.match_source == MatchSource.RULE and line.components.get().quantity == 4
    assert reserved(company, sku) == 12


def test_rule_created_later_is_applied_to_waiting_lines(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-W", stock=5)
    ingest(account, [co("1", "1-1", channel_product_id="", channel_option_id="", product_name="수제 쿠키",
                        option_text="초코")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    MatchRule.objects.create(company=company, account=account, match_key=line.match_key).components.create(
        company=company, sku=sku, quantity=1)
    assert match_rules_apply(company=company, user=admin_user) == 1
    line.refresh_from_db()
    assert line.match_status == MatchStatus.MATCHED and line.match_source == MatchSource.RULE
    assert Order.objects.get(channel_order_id="1").is_matched and reserved(company, sku) == 1
    assert match_rules_apply(company=company) == 0


def test_manual_match_to_a_set_and_to_two_skus(company, account, admin_user):
    a = make_stocked_sku(company, "SKU-A", stock=10)
    b = make_stocked_sku(company, "SKU-B", stock=10)
    box = make_stocked_sku(company, "SET-1", managed=True)
    box.is_set = True
    box.save()
    SetComponent.objects.create(company=company, set_sku=box, component=a, quantity=2)
    ingest(account, [co("1", "1-1", channel_option_id="SET"), co("2", "2-1", channel_option_id="GIFT")])
    line_match_manual(company=company, line=OrderLine.objects.get(channel_line_id="1-1"), components=[(box.pk, 1)],
                      save_rule=False, user=admin_user)
    assert reserved(company, a) == 2  # the set reserves its components
    line_match_manual(company=company, line=OrderLine.objects.get(channel_line_id="2-1"),
                      components=[(a.pk, 1), (b.pk, 1)], save_rule=False, user=admin_user)
    assert reserved(company, a) == 3 and reserved(company, b) == 1
    assert not MatchRule.objects.exists()


def test_rule_for_all_accounts_matches_the_same_option_text_on_every_channel(company, account, admin_user):
    sku = make_stocked_sku(company, "RICE-4", stock=50)
    naver = make_account_with_credentials(company, "네이버 스토어", "naver")
    gmarket = make_account_with_credentials(company, "지마켓", "naver")
    ingest(account, [co("1", "1-1", channel_product_id="CP1", channel_option_id="CO1", product_name="유기농 현미",
                        option_text="4kg")])
    ingest(naver, [co("2", "2-1", channel_product_id="NP9", channel_option_id="NO9", product_name="유기농  현미",
                      option_text="4KG"),
                   co("3", "3-1", channel_product_id="NP9", channel_option_id="NO8", product_name="유기농 현미",
                      option_text="10kg")])
    first = OrderLine.objects.get(channel_line_id="1-1")
    result = line_match_manual(company=company, line=first, components=[(sku.pk, 1)], save_rule=True,
                               user=admin_user, scope=RuleScope.ALL)
    rule = result["rule"]
    assert rule.account_id is None and rule.product_name == "유기농 현미"
    # the waiting line of another account with the same text (spacing/case aside) is matched at once ...
    assert result["matched"] == 2
    assert OrderLine.objects.get(channel_line_id="2-1").match_status == MatchStatus.MATCHED
    assert OrderLine.objects.get(channel_line_id="3-1").match_status == MatchStatus.UNMATCHED  # other option
    # ... and a future line on a third account matches by the rule, without matching it a third time
    ingest(gmarket, [co("4", "4-1", channel_product_id="GX", channel_option_id="GY", product_name="유기농 현미",
                        option_text="4kg", quantity=2)])
    line = OrderLine.objects.get(channel_line_id="4-1")
    assert line.match_source == MatchSource.RULE and line.components.get().sku == sku
    assert reserved(company, sku) == 1 + 1 + 2


def test_account_rule_wins_over_the_all_accounts_rule(company, account, admin_user):
    everywhere, here = make_stocked_sku(company, "SKU-ALL"), make_stocked_sku(company, "SKU-HERE")
    ingest(account, [co("1", "1-1", product_name="현미", option_text="1kg")])
    line_match_manual(company=company, line=OrderLine.objects.get(channel_line_id="1-1"),
                      components=[(everywhere.pk, 1)], save_rule=True, user=admin_user, scope=RuleScope.ALL)
    ingest(account, [co("2", "2-1", channel_option_id="SPECIAL", product_name="현미", option_text="1kg")])
    special = OrderLine.objects.get(channel_line_id="2-1")
    assert special.components.get().sku == everywhere  # the text rule applied
    own = MatchRule.objects.create(company=company, account=account, match_key=match_key(
        channel_product_id="P1", channel_option_id="OTHER", product_name="", option_text=""))
    own.components.create(company=company, sku=here, quantity=1)
    ingest(account, [co("5", "5-1", channel_option_id="OTHER", product_name="현미", option_text="1kg")])
    assert OrderLine.objects.get(channel_line_id="5-1").components.get().sku == here


def test_all_accounts_scope_refuses_a_line_without_name_and_bad_scope(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-N")
    ingest(account, [co("1", "1-1", product_name="")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    with pytest.raises(MatchError):
        line_match_manual(company=company, line=line, components=[(sku.pk, 1)], save_rule=True, user=admin_user,
                          scope=RuleScope.ALL)
    with pytest.raises(MatchError):
        line_match_manual(company=company, line=line, components=[(sku.pk, 1)], save_rule=True, user=admin_user,
                          scope="everything")
    assert not MatchRule.objects.exists()


def test_short_stock_at_manual_match_marks_short(company, account, admin_user):
    sku = make_stocked_sku(company, "SKU-S", stock=1)
    ingest(account, [co("1", "1-1", quantity=3)])
    result = line_match_manual(company=company, line=OrderLine.objects.get(channel_line_id="1-1"),
                               components=[(sku.pk, 1)], save_rule=False, user=admin_user)
    assert result["short"] == 1 and Order.objects.get(channel_order_id="1").stock_state == StockState.SHORT


def test_manual_match_refuses_bad_input_and_other_company_skus(company, other_company, account, admin_user):
    ingest(account, [co("1", "1-1")])
    line = OrderLine.objects.get(channel_line_id="1-1")
    stranger = make_stocked_sku(other_company, "SKU-X")
    for components, text in [([], "하나 이상"), ([(stranger.pk, 1)], "찾을 수 없습니다"), ([(stranger.pk, 0)], "1 이상")]:
        with pytest.raises(MatchError, match=text):
            line_match_manual(company=company, line=line, components=components, save_rule=True, user=admin_user)
    line.refresh_from_db()
    assert line.match_status == MatchStatus.UNMATCHED and not MatchRule.objects.exists()


def test_two_concurrent_claims_one_wins(company, account):
    assert account_collect_claim(account=account)
    assert not account_collect_claim(account=ChannelAccount.objects.get(pk=account.pk))


@pytest.mark.django_db(transaction=True)
def test_two_threads_claiming_at_once_one_wins(company):
    account = make_account_with_credentials(company, name="동시")
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        try:
            results.append(account_collect_claim(account=ChannelAccount.objects.get(pk=account.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]


def test_schedule_slot_is_taken_once(company, account):
    assert collection_schedule_claim(account=account)
    assert not collection_schedule_claim(account=ChannelAccount.objects.get(pk=account.pk))
