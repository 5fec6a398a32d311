"""Built-in order-file mappings for the seller-center exports of 11st, G마켓 and 옥션 (data only; the
upload service turns each entry into a BuiltinMapping). Column headers are the ones the seller centers
put in their order downloads as integrators reproduce them; several spellings are accepted per field
(the first found wins), so a renamed column in a newer export still reads.

- 11번가 셀러오피스 › 주문관리 › 발송관리 (발주확인/발송처리) › 엑셀 다운로드: one row per 주문순번 —
  the line id is 주문번호-주문순번, like the 11st connector's.
- ESM+ (G마켓/옥션) › 주문관리 › 발송관리 › 엑셀 다운로드: one row per 주문번호 (each ESM 주문번호 is one
  line), grouped by 장바구니번호 (결제번호) — the same keys as the ESM connector's. G마켓 and 옥션 export
  the same columns; the two entries differ only in the site they label the lines with."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from marketdock.channels.connectors.models import Marketplace

_ESM_COLUMNS = {
    "line_id": ("주문번호",), "order_id": ("장바구니번호", "결제번호", "주문번호"), "bundle_id": ("장바구니번호", "결제번호"),
    "ordered_at": ("주문일자", "주문일시", "주문일"), "paid_at": ("결제완료일", "결제일", "결제일시"),
    "raw_status": ("주문상태", "진행상태"), "buyer_name": ("구매자명", "구매자"),
    "buyer_phone": ("구매자 휴대폰", "구매자휴대폰", "구매자 연락처"),
    "recipient_name": ("수령인명", "수령인", "수취인명"),
    "recipient_phone": ("수령인 휴대폰", "수령인휴대폰", "수령인 연락처", "수취인 휴대폰"),
    "postal_code": ("우편번호",), "address1": ("주소", "배송지 주소", "수령인 주소"),
    "delivery_message": ("배송시 요구사항", "배송메시지", "배송 메시지"),
    "product_id": ("상품번호",), "product_name": ("상품명",), "option_text": ("주문옵션", "옵션정보", "옵션"),
    "seller_product_code": ("판매자 관리코드", "판매자관리코드"), "seller_option_code": ("판매자 상세관리코드", "SKU번호"),
    "quantity": ("수량", "주문수량"), "unit_price": ("판매단가", "판매가"), "total_amount": ("판매금액", "결제금액"),
    "shipping_fee": ("배송비 금액", "배송비"),
}

MARKET_EXPORTS: dict[str, dict] = {
    "elevenst": dict(
        name=gettext_lazy("11번가 주문내역(발송관리)"),
        source=gettext_lazy("11번가 셀러오피스 › 주문관리 › 발송관리 › 엑셀 다운로드 — 주문순번이 있는 파일을 그대로 올리세요."),
        marketplace=Marketplace.ELEVENST,
        columns={
            "order_id": ("주문번호",), "line_id": ("주문순번",), "bundle_id": ("배송번호",),
            "ordered_at": ("주문일시", "주문일자"), "paid_at": ("결제일시", "결제완료일시"), "raw_status": ("주문상태",),
            "buyer_name": ("구매자", "구매자명"), "buyer_phone": ("구매자휴대폰번호", "구매자 휴대폰", "구매자연락처"),
            "recipient_name": ("수취인", "수취인명"),
            "recipient_phone": ("수취인휴대폰번호", "수취인 휴대폰", "수취인연락처", "휴대폰번호"),
            "postal_code": ("우편번호",), "address1": ("주소", "배송지주소", "수취인주소"),
            "delivery_message": ("배송메시지", "배송 메시지"), "product_id": ("상품번호",),
            "option_id": ("옵션번호", "재고번호"), "product_name": ("상품명",), "option_text": ("옵션", "옵션명"),
            "seller_product_code": ("판매자상품코드", "판매자 상품코드"), "seller_option_code": ("판매자재고번호", "옵션관리코드"),
            "quantity": ("수량", "주문수량"), "unit_price": ("판매단가", "판매가"), "total_amount": ("주문금액", "결제금액"),
            "shipping_fee": ("배송비",),
        },
        line_id="elevenst",
    ),
    "gmarket": dict(
        name=gettext_lazy("G마켓 주문내역(ESM+ 발송관리)"),
        source=gettext_lazy("ESM+ › 주문관리 › 발송관리 › G마켓 선택 › 엑셀 다운로드"),
        marketplace=Marketplace.GMARKET, columns=_ESM_COLUMNS,
    ),
    "auction": dict(
        name=gettext_lazy("옥션 주문내역(ESM+ 발송관리)"),
        source=gettext_lazy("ESM+ › 주문관리 › 발송관리 › 옥션 선택 › 엑셀 다운로드"),
        marketplace=Marketplace.AUCTION, columns=_ESM_COLUMNS,
    ),
}
