"""Demo catalogue: brands, a category tree, a few dozen Korean products with options, a set and a gift."""

from __future__ import annotations

from marketdock.core.models import CommonCode, CommonCodeGroup, Company

from . import services
from .models import SKU, Category, Product

BRANDS = (("MDB", "마켓독베이직"), ("HANA", "하나리빙"), ("SOOP", "숲속농장"), ("URBAN", "어반핏"))

CATEGORIES = {
    "의류": ["상의", "하의", "아우터"],
    "생활용품": ["주방", "욕실"],
    "식품": ["과일", "간편식"],
    "잡화": [],
}

# code, name, brand, category path, price, cost, axes
PRODUCTS = [
    ("TS-001", "베이직 라운드 반팔 티셔츠", "MDB", ("의류", "상의"), 12900, 4800,
     [{"name": "색상", "values": ["블랙", "화이트", "네이비"]}, {"name": "사이즈", "values": ["S", "M", "L", "XL"]}]),
    ("TS-002", "오버핏 스트라이프 긴팔 티", "URBAN", ("의류", "상의"), 19900, 7600,
     [{"name": "색상", "values": ["블랙", "베이지"]}, {"name": "사이즈", "values": ["M", "L"]}]),
    ("TS-003", "쿨링 기능성 반팔 티", "URBAN", ("의류", "상의"), 15900, 6100,
     [{"name": "색상", "values": ["그레이", "화이트"]}, {"name": "사이즈", "values": ["M", "L", "XL"]}]),
    ("SH-001", "옥스포드 베이직 셔츠", "MDB", ("의류", "상의"), 29900, 11800,
     [{"name": "색상", "values": ["화이트", "스카이블루"]}, {"name": "사이즈", "values": ["95", "100", "105"]}]),
    ("PT-001", "밴딩 와이드 슬랙스", "URBAN", ("의류", "하의"), 32900, 12900,
     [{"name": "색상", "values": ["블랙", "차콜", "베이지"]}, {"name": "사이즈", "values": ["S", "M", "L"]}]),
    ("PT-002", "데일리 조거 팬츠", "MDB", ("의류", "하의"), 24900, 9300,
     [{"name": "색상", "values": ["그레이", "블랙"]}, {"name": "사이즈", "values": ["M", "L", "XL"]}]),
    ("JK-001", "경량 패딩 점퍼", "URBAN", ("의류", "아우터"), 59900, 24800,
     [{"name": "색상", "values": ["블랙", "카키"]}, {"name": "사이즈", "values": ["M", "L", "XL"]}]),
    ("JK-002", "후드 집업", "MDB", ("의류", "아우터"), 39900, 15200,
     [{"name": "색상", "values": ["멜란지", "네이비"]}, {"name": "사이즈", "values": ["M", "L"]}]),
    ("KT-001", "스테인리스 텀블러 500ml", "HANA", ("생활용품", "주방"), 15800, 5200,
     [{"name": "색상", "values": ["실버", "블랙", "민트"]}]),
    ("KT-002", "실리콘 주방 집게", "HANA", ("생활용품", "주방"), 6900, 1900, []),
    ("KT-003", "원목 도마 (대)", "HANA", ("생활용품", "주방"), 22000, 8800, []),
    ("KT-004", "밀폐용기 4종 세트", "HANA", ("생활용품", "주방"), 18900, 7300, []),
    ("KT-005", "논스틱 프라이팬", "HANA", ("생활용품", "주방"), 27900, 11200,
     [{"name": "크기", "values": ["24cm", "28cm"]}]),
    ("BA-001", "극세사 호텔 수건", "HANA", ("생활용품", "욕실"), 4900, 1600,
     [{"name": "색상", "values": ["화이트", "그레이", "베이지"]}]),
    ("BA-002", "규조토 발매트", "HANA", ("생활용품", "욕실"), 13900, 4700,
     [{"name": "크기", "values": ["소", "대"]}]),
    ("BA-003", "칫솔 살균기", "HANA", ("생활용품", "욕실"), 29800, 12400, []),
    ("FR-001", "성주 꿀참외 2kg", "SOOP", ("식품", "과일"), 19900, 12500,
     [{"name": "중량", "values": ["2kg", "3kg"]}]),
    ("FR-002", "제주 감귤 5kg", "SOOP", ("식품", "과일"), 24900, 15800,
     [{"name": "크기", "values": ["소과", "중과", "대과"]}]),
    ("FR-003", "샤인머스캣 1.5kg", "SOOP", ("식품", "과일"), 32900, 22100, []),
    ("FD-001", "한우 사골곰탕 500g", "SOOP", ("식품", "간편식"), 7900, 3900, []),
    ("FD-002", "국산 콩 두부 300g", "SOOP", ("식품", "간편식"), 3200, 1400, []),
    ("FD-003", "수제 떡갈비 1kg", "SOOP", ("식품", "간편식"), 25900, 14200, []),
    ("FD-004", "냉동 볶음밥 6종", "SOOP", ("식품", "간편식"), 16900, 8800,
     [{"name": "맛", "values": ["김치", "새우", "닭가슴살"]}]),
    ("AC-001", "캔버스 에코백", "MDB", ("잡화",), 9900, 3100,
     [{"name": "색상", "values": ["아이보리", "블랙"]}]),
    ("AC-002", "니트 비니", "URBAN", ("잡화",), 12900, 4200,
     [{"name": "색상", "values": ["블랙", "그레이", "버건디"]}]),
    ("AC-003", "스포츠 양말 5족", "MDB", ("잡화",), 8900, 2600,
     [{"name": "사이즈", "values": ["230-250", "250-280"]}]),
    ("AC-004", "장우산 자동", "MDB", ("잡화",), 14900, 5600, []),
    ("AC-005", "가죽 카드지갑", "URBAN", ("잡화",), 19900, 6900,
     [{"name": "색상", "values": ["블랙", "브라운"]}]),
    ("GF-001", "[사은품] 브랜드 스티커팩", "MDB", ("잡화",), 0, 300, []),
    ("ST-001", "[세트] 주방 선물세트 (텀블러+집게)", "HANA", ("생활용품", "주방"), 19900, 7100, []),
]


def demo_catalog(company: Company, out: list[str]) -> None:
    if Product.objects.filter(company=company).exists():
        return
    group, _created = CommonCodeGroup.objects.get_or_create(
        company=company, code="BRAND", defaults={"name": "브랜드", "is_system": True}
    )
    brands = {}
    for i, (code, name) in enumerate(BRANDS):
        brands[code], _ = CommonCode.objects.get_or_create(
            company=company, group=group, code=code, defaults={"name": name, "sort_order": i}
        )
    cats: dict[tuple, Category] = {}
    for i, (top, children) in enumerate(CATEGORIES.items()):
        parent = Category.objects.filter(company=company, parent=None, name=top).first() or services.category_create(
            company=company, name=top, sort_order=i)
        cats[(top,)] = parent
        for j, child in enumerate(children):
            cats[(top, child)] = Category.objects.filter(company=company, parent=parent, name=child).first() or \
                services.category_create(company=company, name=child, parent=parent, sort_order=j)
    for code, name, brand, path, price, cost, axes in PRODUCTS:
        services.product_save(
            company=company, product=None, axes=axes,
            data={"code": code, "name": name, "brand": brands[brand], "category": cats[path], "price": price,
                  "cost": cost, "tax_type": "exempt" if code.startswith(("FR", "FD-002")) else "taxable",
                  "status": "on_sale", "inventory_managed": True, "seller_code": f"S{code.replace('-', '')}"},
        )
    gift = SKU.objects.get(company=company, code="GF-001")
    services.sku_gift_set(company=company, sku=gift, is_gift=True)
    set_sku = SKU.objects.get(company=company, code="ST-001")
    services.set_components_replace(company=company, set_sku=set_sku, components=[("KT-001-1", 1), ("KT-002", 1)])
    # a few SKUs with real EAN-13 barcodes (label printing picks EAN-13 for these)
    for sku_code, ean in (("KT-002", "8801234567893"), ("KT-003", "8809876543213"), ("BA-003", "8801111222235")):
        services.sku_barcode_update(company=company, sku=SKU.objects.get(company=company, code=sku_code), barcode=ean)
    out.append(f"catalog: {len(PRODUCTS)} products, {SKU.objects.filter(company=company).count()} SKUs for {company.code}")
