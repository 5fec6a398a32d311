"""Claim reasons grouped into classes (CS-5): 사이즈·색상, 불량·파손, 오배송, 단순변심, 배송 문제, 품절, 기타.

`classify_reason(marketplace, reason_code, reason_text)` reads the marketplace's reason code first (the
tables below, declared once), and where the code says nothing definite (ETC, OTHER, unknown or empty)
the buyer's words, by Korean (and a few English) keywords. The tables:

- Naver Commerce API claim reasons (claimRequestReason; research §1.4): INTENT_CHANGED, COLOR_AND_SIZE,
  WRONG_ORDER, PRODUCT_UNSATISFIED, DELAYED_DELIVERY, SOLD_OUT, DROPPED_DELIVERY, NOT_YET_DELIVERY,
  BROKEN(_AND_BAD), INCORRECT_INFO, WRONG_DELIVERY, WRONG_OPTION, SIMPLE_INTENT_CHANGED, MISTAKE_ORDER, ETC.
- Coupang return/exchange `reasonCode` (published samples: CHANGEMIND 필요 없어짐 (단순 변심),
  DIFFERENTOPT 색상/ 사이즈가 기대와 다름, DEFECT 상품이 제조/제작 불량임, COMPOMISS 구성품·부속품 누락)
  and its `cancelReasonCategory1` words (고객변심, 상품불량, …) through the keywords.
- Shopify ReturnReason (https://shopify.dev/docs/api/admin-graphql/latest/enums/ReturnReason): COLOR,
  DEFECTIVE, NOT_AS_DESCRIBED, OTHER, SIZE_TOO_LARGE, SIZE_TOO_SMALL, STYLE, UNKNOWN, UNWANTED, WRONG_ITEM."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Claim, ReasonClass

C = ReasonClass

# marketplace → reason code → class; None: the code says nothing definite, read the text
REASON_CODES: dict[str, dict[str, ReasonClass | None]] = {
    "naver": {
        "INTENT_CHANGED": C.CHANGE_OF_MIND, "SIMPLE_INTENT_CHANGED": C.CHANGE_OF_MIND,
        "WRONG_ORDER": C.CHANGE_OF_MIND, "MISTAKE_ORDER": C.CHANGE_OF_MIND,
        "COLOR_AND_SIZE": C.SIZE,
        "PRODUCT_UNSATISFIED": None,  # 서비스·상품 불만족: the words tell which
        "DELAYED_DELIVERY": C.DELIVERY, "DROPPED_DELIVERY": C.DELIVERY, "NOT_YET_DELIVERY": C.DELIVERY,
        "SOLD_OUT": C.SOLD_OUT,
        "BROKEN": C.DEFECT, "BROKEN_AND_BAD": C.DEFECT,
        "INCORRECT_INFO": C.WRONG_ITEM, "WRONG_DELIVERY": C.WRONG_ITEM, "WRONG_OPTION": C.WRONG_ITEM,
        "ETC": None,
    },
    "coupang": {
        "CHANGEMIND": C.CHANGE_OF_MIND,
        "DIFFERENTOPT": C.SIZE,
        "DEFECT": C.DEFECT,
        "COMPOMISS": C.WRONG_ITEM,
    },
    "shopify": {
        "COLOR": C.SIZE, "SIZE_TOO_LARGE": C.SIZE, "SIZE_TOO_SMALL": C.SIZE,
        "DEFECTIVE": C.DEFECT,
        "NOT_AS_DESCRIBED": C.WRONG_ITEM, "WRONG_ITEM": C.WRONG_ITEM,
        "STYLE": C.CHANGE_OF_MIND, "UNWANTED": C.CHANGE_OF_MIND,
        "OTHER": None, "UNKNOWN": None,
    },
}

# keywords in the buyer's words (lower-cased, spaces removed), checked in this order: the first class
# with a match wins (a "불량" that came "잘못" is a defect first)
KEYWORDS: tuple[tuple[ReasonClass, tuple[str, ...]], ...] = (
    (C.DEFECT, ("불량", "파손", "깨짐", "깨져", "찢어", "고장", "하자", "결함", "오염", "얼룩", "작동안", "작동이안",
                "흠집", "스크래치", "누수", "변질", "이탈", "defect", "damaged", "broken")),
    (C.WRONG_ITEM, ("오배송", "잘못배송", "잘못왔", "다른상품", "다른제품", "주문한것과다", "주문과다", "상품정보상이",
                    "설명과다", "구성품", "부속품", "누락된구성", "다른색", "다른옵션", "wrongitem", "notasdescribed")),
    (C.SIZE, ("사이즈", "치수", "크기", "작아", "커요", "커서", "작아요", "작네", "크네", "핏", "색상", "컬러",
              "색깔", "size", "color")),
    (C.DELIVERY, ("배송지연", "늦게", "늦어", "지연", "안와", "안옴", "안왔", "미배송", "배송되지", "받지못", "못받", "배송누락", "분실", "도착안",
                  "배송이안", "배송안", "배송불만", "delivery", "late")),
    (C.SOLD_OUT, ("품절", "재고없", "재고부족", "soldout", "outofstock")),
    (C.CHANGE_OF_MIND, ("단순변심", "변심", "필요없", "마음에안", "맘에안", "마음이바뀌", "생각이바뀌", "잘못주문",
                        "실수로주문", "주문실수", "다른곳에서", "더싸", "저렴", "취소하고싶", "unwanted",
                        "changedmind")),
)


def classify_text(text: str) -> ReasonClass | None:
    squashed = "".join((text or "").lower().split())
    if not squashed:
        return None
    for cls, words in KEYWORDS:
        if any(w in squashed for w in words):
            return cls
    return None


def classify_reason(marketplace: str, reason_code: str, reason_text: str) -> ReasonClass:
    """The class of one claim's reason: the marketplace's code when it is definite, else the words,
    else 기타."""
    code = (reason_code or "").strip().upper()
    table = REASON_CODES.get((marketplace or "").strip().lower(), {})
    by_code = table.get(code)
    if by_code is not None:
        return by_code
    return classify_text(reason_text) or classify_text(code.replace("_", " ")) or C.OTHER


def claims_classify(*, company, claims=None, only_missing: bool = False) -> int:
    """(Re)classify the company's claims (all, or the given ones); returns how many changed class."""
    rows = Claim.objects.filter(company=company).select_related("account")
    if claims is not None:
        rows = rows.filter(pk__in=[getattr(c, "pk", c) for c in claims])
    if only_missing:
        rows = rows.filter(reason_class="")
    changed = []
    now = timezone.now()
    for claim in rows.only("pk", "reason_code", "reason_text", "reason_class", "account__kind").iterator():
        cls = classify_reason(claim.account.kind, claim.reason_code, claim.reason_text)
        if claim.reason_class != cls:
            claim.reason_class, claim.updated_at = cls, now
            changed.append(claim)
    with transaction.atomic():
        Claim.objects.bulk_update(changed, ["reason_class", "updated_at"], batch_size=500)
    return len(changed)
