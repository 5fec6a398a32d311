"""The product's whole menu tree (UI.md). Each leaf is a *screen*: the unit of screen permission
(화면권한, read or write). A leaf whose `url_name` does not resolve yet is shown disabled, so the
tree is complete from day one and fills in as capabilities land.

Apps add screens here, never in templates: views declare `screen = "<key>"` and the permission
check, the menu highlighting and the menu access log all follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Screen:
    key: str
    label: str
    url_name: str | None = None
    admin_only: bool = False  # only the company's main admin (user/role management)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    icon: str
    screens: tuple[Screen, ...] = field(default_factory=tuple)


MENU: tuple[Section, ...] = (
    Section("orders", _("주문"), "cart", (
        Screen("orders.collect", _("주문수집/설정"), "orders:collect"),
        Screen("orders.list", _("주문확인/처리"), "orders:list"),
        Screen("orders.unmatched", _("미매칭 주문"), "orders:unmatched"),
        Screen("orders.manual", _("수기주문/엑셀주문등록"), "orders:upload"),
        Screen("orders.export_templates", _("엑셀다운로드양식설정"), "orders:export_templates"),
        Screen("orders.schedules", _("자동주문스케줄관리"), "orders:schedules"),
    )),
    Section("shipping", _("배송"), "truck", (
        Screen("shipping.scan", _("출고검수"), "shipping:scan"),
        Screen("shipping.packages", _("묶음배송/합포장"), "shipping:packages"),
        Screen("shipping.labels", _("운송장 출력"), "shipping:labels"),
        Screen("shipping.bands", _("송장 대역"), "shipping:bands"),
        Screen("shipping.tracking", _("배송추적"), "shipping:tracking"),
    )),
    Section("catalog", _("상품"), "box", (
        Screen("catalog.products", _("상품관리"), "catalog:product_list"),
        Screen("catalog.categories", _("카테고리"), "catalog:category_list"),
        Screen("catalog.excel", _("상품 엑셀등록"), "catalog:excel"),
        Screen("catalog.images", _("이미지 일괄등록"), "catalog:image_bulk"),
        Screen("catalog.labels", _("바코드 라벨"), "catalog:labels"),
    )),
    Section("inventory", _("재고"), "boxes", (
        Screen("inventory.stock", _("재고현황"), "inventory:stock"),
        Screen("inventory.inbound", _("입고관리"), "inventory:inbound_list"),
        Screen("inventory.counts", _("재고실사"), "inventory:count_list"),
        Screen("inventory.transfers", _("재고이동"), "inventory:transfer_list"),
        Screen("inventory.low", _("재고부족"), "inventory:low_stock"),
        Screen("inventory.ledger", _("재고수불부"), "inventory:ledger"),
    )),
    Section("channels", _("쇼핑몰"), "shop", (
        Screen("channels.accounts", _("쇼핑몰 계정"), "channels:account_list"),
        Screen("channels.listings", _("쇼핑몰 상품조회/수정"), "channels:listing_list"),
        Screen("channels.import", _("쇼핑몰 상품 가져오기"), "channels:listing_import"),
        Screen("channels.migrate", _("쇼핑몰 상품데이터 이관"), "channels:listing_migrate"),
        Screen("channels.sync", _("동기화 현황"), "channels:sync_status"),
        Screen("channels.shipping_policies", _("배송정보설정"), "channels:shipping_policies"),
    )),
    Section("cs", _("클레임·CS"), "headset", (
        Screen("cs.claims", _("클레임 목록"), "claims:list"),
        Screen("cs.inspection", _("입고검수"), "claims:inspection"),
        Screen("cs.inquiries", _("문의함"), "claims:inquiries"),
        Screen("cs.templates", _("답변 템플릿"), "claims:templates"),
        Screen("cs.assignment", _("담당자 배정 규칙"), "claims:assign_rules"),
        Screen("cs.sms", _("문자 발송 내역"), "claims:sms_log"),
        Screen("cs.sms_senders", _("발신번호 관리"), "claims:sms_senders"),
        Screen("cs.analysis", _("클레임 분석"), "claims:rates"),
    )),
    Section("settlement", _("정산관리"), "cash", (
        Screen("settlement.commissions", _("수수료 설정"), "settlement:commissions"),
        Screen("settlement.expected", _("정산예정"), "settlement:expected"),
        Screen("settlement.sales", _("매출실적"), "settlement:sales"),
        Screen("settlement.store_sales", _("매장 매출"), "settlement:store_sales"),
        Screen("settlement.statements", _("정산 내역"), "settlement:statements"),
        Screen("settlement.reconcile", _("정산 대사"), "settlement:reconcile"),
        Screen("settlement.report", _("정산 리포트"), "settlement:report"),
    )),
    Section("analytics", _("분석관리"), "chart", (
        Screen("analytics.sales", _("매출현황"), "analytics:sales"),
        Screen("analytics.hourly", _("시간대별"), "analytics:hourly"),
        Screen("analytics.rates", _("취소·반품률"), "analytics:rates"),
        Screen("analytics.compare", _("쇼핑몰 비교"), "analytics:compare"),
    )),
    Section("masterdata", _("기준정보"), "database", (
        Screen("core.codes", _("공통코드관리"), "core:code_groups"),
        Screen("core.rates", _("환율관리"), "core:rate_list"),
        Screen("catalog.barcodes", _("단품바코드관리"), "catalog:barcodes"),
        Screen("inventory.warehouses", _("창고관리"), "inventory:warehouse_list"),
        Screen("shipping.carriers", _("택배사 연동설정"), "shipping:carriers"),
    )),
    Section("system", _("시스템관리"), "gear", (
        Screen("core.users", _("사용자관리"), "core:user_list", admin_only=True),
        Screen("core.roles", _("화면권한관리"), "core:role_list", admin_only=True),
        Screen("core.logs", _("사용자계정로그"), "core:logs", admin_only=True),
        Screen("core.notices", _("공지사항"), "core:notice_list"),
        Screen("core.jobs", _("작업 현황"), "core:job_list"),
        Screen("api.keys", _("Open API"), "api:keys"),
        Screen("saas.webhooks", _("웹훅"), "saas:webhooks"),
        Screen("saas.usage", _("서비스 사용량"), "saas:usage"),
    )),
)


@cache
def screens_by_key() -> dict[str, Screen]:
    return {s.key: s for section in MENU for s in section.screens}


def all_screen_keys() -> list[str]:
    return list(screens_by_key())


def screen_label(key: str) -> str:
    screen = screens_by_key().get(key)
    return str(screen.label) if screen else key


def screen_url(screen: Screen) -> str | None:
    """The screen's URL, or None while its capability is not built yet."""
    if not screen.url_name:
        return None
    try:
        return reverse(screen.url_name)
    except NoReverseMatch:
        return None
