"""Return reasons grouped into classes (CS-5) from each marketplace's codes and the buyer's words."""

from __future__ import annotations

import pytest

from marketdock.claims.models import Claim, ReasonClass
from marketdock.claims.services import claims_classify, classify_reason
from tests.factories.channels import make_account
from tests.factories.cs import make_account_claim

C = ReasonClass


@pytest.mark.parametrize(("marketplace", "code", "text", "expected"), [
    # Naver claim reasons
    ("naver", "INTENT_CHANGED", "", C.CHANGE_OF_MIND),
    ("naver", "COLOR_AND_SIZE", "", C.SIZE),
    ("naver", "WRONG_ORDER", "", C.CHANGE_OF_MIND),
    ("naver", "DELAYED_DELIVERY", "", C.DELIVERY),
    ("naver", "SOLD_OUT", "", C.SOLD_OUT),
    ("naver", "DROPPED_DELIVERY", "", C.DELIVERY),
    ("naver", "BROKEN", "", C.DEFECT),
    ("naver", "INCORRECT_INFO", "", C.WRONG_ITEM),
    ("naver", "WRONG_DELIVERY", "", C.WRONG_ITEM),
    ("naver", "WRONG_OPTION", "", C.WRONG_ITEM),
    ("naver", "PRODUCT_UNSATISFIED", "박음질이 터져서 왔어요 불량입니다", C.DEFECT),
    ("naver", "PRODUCT_UNSATISFIED", "", C.OTHER),
    ("naver", "ETC", "사이즈가 너무 작아요", C.SIZE),
    # Coupang (published samples)
    ("coupang", "CHANGEMIND", "필요 없어짐 (단순 변심)", C.CHANGE_OF_MIND),
    ("coupang", "DIFFERENTOPT", "색상/ 사이즈가 기대와 다름", C.SIZE),
    ("coupang", "DEFECT", "상품이 제조/제작 불량임", C.DEFECT),
    ("coupang", "COMPOMISS", "상품의 구성품, 부속품이 제대로 들어있지 않음", C.WRONG_ITEM),
    ("coupang", "", "단 이틀 착용하였는데 초침이 궤도를 이탈하였습니다", C.DEFECT),
    ("coupang", "", "신랑이 맘에 안든데요", C.CHANGE_OF_MIND),
    ("coupang", "", "베이지색 주문했는데 브라운이 왔습니다 다른 색", C.WRONG_ITEM),
    ("coupang", "", "배송되지 않았어요 확인해주세요", C.DELIVERY),
    # Shopify ReturnReason
    ("shopify", "SIZE_TOO_SMALL", "", C.SIZE),
    ("shopify", "COLOR", "", C.SIZE),
    ("shopify", "DEFECTIVE", "", C.DEFECT),
    ("shopify", "WRONG_ITEM", "", C.WRONG_ITEM),
    ("shopify", "NOT_AS_DESCRIBED", "", C.WRONG_ITEM),
    ("shopify", "UNWANTED", "", C.CHANGE_OF_MIND),
    ("shopify", "OTHER", "arrived broken", C.DEFECT),
    ("shopify", "UNKNOWN", "", C.OTHER),
    # hand-entered claims: words only
    ("excel", "", "품절로 판매자 취소", C.SOLD_OUT),
    ("excel", "", "고객 요청", C.OTHER),
])
def test_classify_reason(marketplace, code, text, expected):
    assert classify_reason(marketplace, code, text) == expected


def test_code_case_and_spaces_do_not_matter():
    assert classify_reason("NAVER", " intent_changed ", "") == C.CHANGE_OF_MIND


@pytest.mark.django_db
def test_claims_classify_sets_classes_and_counts_changes(company):
    naver = make_account(company, "스마트스토어", kind="naver")
    a = make_account_claim(naver, reason_code="COLOR_AND_SIZE")
    b = make_account_claim(naver, reason_code="ETC", reason_text="파손되어 도착했습니다")
    c = make_account_claim(naver, reason_code="BROKEN", reason_class=C.DEFECT)
    assert claims_classify(company=company) == 2
    assert dict(Claim.objects.values_list("pk", "reason_class")) == {a.pk: C.SIZE, b.pk: C.DEFECT, c.pk: C.DEFECT}
    assert claims_classify(company=company) == 0
