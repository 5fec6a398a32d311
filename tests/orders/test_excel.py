"""엑셀다운로드양식설정 + order Excel download (ORD-8) and 수기주문/엑셀주문등록 (ORD-10)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from marketdock.channels.models import ChannelKind
from marketdock.core.models import PersonalDataDownloadLog
from marketdock.orders.models import CollectionRun, ExportTemplate, Order, OrderLine, UploadMapping
from tests.factories.channels import make_account
from tests.factories.orders import make_raw_order
from tests.isolation import assert_isolated
from tests.spreadsheets import sheet_rows, workbook_bytes

pytestmark = pytest.mark.django_db

NAVER_HEADERS = ["상품주문번호", "주문번호", "주문일시", "주문상태", "구매자명", "구매자연락처", "수취인명", "수취인연락처1",
                 "통합배송지", "우편번호", "배송메세지", "상품번호", "상품명", "옵션정보", "판매자 상품코드", "수량", "상품가격",
                 "최종 상품별 총 주문금액"]
COUPANG_HEADERS = ["번호", "묶음배송번호", "주문번호", "주문일", "등록상품명", "등록옵션명", "노출상품ID", "옵션ID", "업체상품코드",
                   "결제액", "구매수(수량)", "구매자", "구매자전화번호", "수취인이름", "수취인전화번호", "우편번호", "수취인 주소",
                   "배송메세지"]


def xlsx(headers, rows, *, title_row: str | None = None) -> bytes:
    return workbook_bytes([*([[title_row]] if title_row else []), headers, *rows])


def naver_row(line="2025031012345601", order="2025031011112222", qty=1, phone="010-1234-5678", when="2025-03-10 14:22:01",
              name="반팔 티셔츠"):
    return [line, order, when, "결제완료", "홍길동", phone, "김수령", "010-9876-5432", "서울특별시 강남구 테헤란로 1 101호",
            "06236", "부재시 문앞", "8812345", name, "색상: 블랙 / 사이즈: M", "TS-BLK-M", qty, 12900, 12900 * qty]


def coupang_row(box="300001", order="900001", option="70001", qty=2):
    return [1, box, order, "2025-03-11 09:10:00", "머그컵 350ml", "화이트", "5500123", option, "MUG-WH", 15800, qty,
            "이몽룡", "0504-1234-5678", "성춘향", "010-2222-3333", "04524", "서울특별시 중구 세종대로 110", "경비실"]


def upload(client, account, data, mapping="builtin:naver", name="orders.xlsx", **extra):
    return client.post(reverse("orders:upload"), {
        "account": account.pk, "mapping": mapping, "file": SimpleUploadedFile(name, data), **extra})


@pytest.fixture
def manual_account(company):
    return make_account(company, "자사몰(엑셀)", ChannelKind.MANUAL)


# ---------------------------------------------------------------- upload


def test_upload_naver_builtin_mapping_creates_orders(admin_client, company, manual_account):
    data = xlsx(NAVER_HEADERS, [naver_row(), naver_row(line="2025031012345602", qty=2, name="긴팔 티셔츠")])
    r = upload(admin_client, manual_account, data)
    assert r.status_code == 200, r.content.decode()[:3000]
    order = Order.objects.get(company=company, account=manual_account, channel_order_id="2025031011112222")
    assert order.buyer_name == "홍길동" and order.recipient_phone_digits == "01098765432"
    assert order.recipient_postal_code == "06236" and "테헤란로" in order.recipient_address1
    lines = {ln.channel_line_id: ln for ln in OrderLine.objects.filter(order=order)}
    assert set(lines) == {"2025031012345601", "2025031012345602"}
    assert lines["2025031012345602"].quantity == 2 and lines["2025031012345602"].total_amount == 25800
    assert lines["2025031012345601"].seller_product_code == "TS-BLK-M"
    run = CollectionRun.objects.get(company=company, account=manual_account)
    assert run.trigger == "upload" and run.created == 1
    assert f"?run={run.pk}" in r.content.decode()


def test_upload_coupang_deliverylist_with_title_row(admin_client, company):
    account = make_account(company, "쿠팡", ChannelKind.COUPANG)
    data = xlsx(COUPANG_HEADERS, [coupang_row(), coupang_row(box="300002", order="900002", option="70002", qty=1)],
                title_row="DeliveryList")
    r = upload(admin_client, account, data, mapping="builtin:coupang")
    assert r.status_code == 200, r.content.decode()[:3000]
    line = OrderLine.objects.get(company=company, account=account, channel_line_id="300001-70001")
    assert line.quantity == 2 and line.channel_option_id == "70001" and line.product_name == "머그컵 350ml"
    assert line.order.bundle_id == "300001" and line.order.buyer_phone_digits == "050412345678"
    assert Order.objects.filter(company=company, account=account).count() == 2


def test_reupload_updates_never_duplicates(admin_client, company, manual_account):
    data = xlsx(NAVER_HEADERS, [naver_row()])
    assert upload(admin_client, manual_account, data).status_code == 200
    assert upload(admin_client, manual_account, data).status_code == 200
    changed = xlsx(NAVER_HEADERS, [naver_row(qty=3)])
    assert upload(admin_client, manual_account, changed).status_code == 200
    assert Order.objects.filter(company=company).count() == 1
    line = OrderLine.objects.get(company=company)
    assert line.quantity == 3
    runs = list(CollectionRun.objects.filter(company=company).order_by("id"))
    assert [(r.created, r.unchanged, r.updated) for r in runs] == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_bad_row_applies_nothing_and_names_row_and_column(admin_client, company, manual_account):
    rows = [naver_row(), naver_row(line="L2", phone="전화없음"), naver_row(line="L3", qty="두개"),
            naver_row(line="L4", when="어제")]
    r = upload(admin_client, manual_account, xlsx(NAVER_HEADERS, rows))
    assert r.status_code == 400
    body = r.content.decode()
    assert "아무것도 등록하지 않았습니다" in body
    errors = body.split('data-testid="upload-errors"')[1]
    assert "<td>3</td><td>구매자연락처</td><td>전화없음</td>" in errors
    assert "<td>4</td><td>수량</td><td>두개</td>" in errors
    assert "<td>5</td><td>주문일시</td><td>어제</td>" in errors
    assert not Order.objects.filter(company=company).exists()
    assert not CollectionRun.objects.filter(company=company).exists()


def test_skip_bad_rows_applies_the_good_ones(admin_client, company, manual_account):
    rows = [naver_row(), naver_row(line="L2", order="O2", phone="x")]
    r = upload(admin_client, manual_account, xlsx(NAVER_HEADERS, rows), skip_bad_rows="on")
    assert r.status_code == 200
    assert list(Order.objects.filter(company=company).values_list("channel_order_id", flat=True)) == ["2025031011112222"]


def test_missing_required_column_is_a_clear_error(admin_client, company, manual_account):
    headers = [h for h in NAVER_HEADERS if h != "수취인명"]
    row = naver_row()
    del row[NAVER_HEADERS.index("수취인명")]
    r = upload(admin_client, manual_account, xlsx(headers, [row]))
    assert r.status_code == 400
    assert "필수 열이 파일에 없습니다" in r.content.decode() and "수취인명" in r.content.decode()


@pytest.mark.parametrize("data,name,message", [
    (b"not a spreadsheet at all", "orders.xlsx", "엑셀(.xlsx) 또는 CSV"),
    (b"PK\x03\x04broken zip", "orders.xlsx", "열 수 없습니다"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "orders.xlsx", "암호"),
    (b"", "orders.xlsx", "파일"),
])
def test_bad_file_is_a_clear_error_not_500(admin_client, company, manual_account, data, name, message):
    r = upload(admin_client, manual_account, data, name=name)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Order.objects.filter(company=company).exists()


def test_csv_in_cp949_with_user_mapping(admin_client, company, manual_account):
    mapping = UploadMapping.objects.create(company=company, account=manual_account, name="자사몰", header_row=1, columns={
        "order_id": "주문번호", "ordered_at": "주문일", "recipient_name": "받는분", "recipient_phone": "연락처",
        "address1": "주소", "product_name": "상품", "quantity": "수량", "unit_price": "단가"})
    text = "주문번호,주문일,받는분,연락처,주소,상품,수량,단가\nA1,2025.03.01,홍길동,010-1111-2222,부산시 해운대구 1,양말,3,\"2,000원\"\n"
    r = upload(admin_client, manual_account, text.encode("cp949"), mapping=f"user:{mapping.pk}", name="o.csv")
    assert r.status_code == 200, r.content.decode()[:2000]
    line = OrderLine.objects.get(company=company)
    assert line.quantity == 3 and line.unit_price == 2000 and line.total_amount == 6000
    assert line.order.channel_order_id == "A1"


def test_manual_order_form(admin_client, company, manual_account):
    r = admin_client.post(reverse("orders:manual_order"), {
        "m-account": manual_account.pk, "m-ordered_at": "2025-03-01 10:00", "m-recipient_name": "홍길동",
        "m-recipient_phone": "010-1234-5678", "m-address1": "서울시 종로구 1", "m-buyer_name": "홍길동",
        "line-TOTAL_FORMS": "3", "line-INITIAL_FORMS": "0", "line-MIN_NUM_FORMS": "1", "line-MAX_NUM_FORMS": "20",
        "line-0-product_name": "전화주문 상품", "line-0-quantity": "2", "line-0-unit_price": "5000",
        "line-1-product_name": "", "line-1-quantity": "", "line-2-unit_price": "",
    })
    assert r.status_code == 302, r.content.decode()[:3000]
    order = Order.objects.get(company=company)
    assert order.recipient_name == "홍길동" and order.account == manual_account
    assert OrderLine.objects.get(order=order).total_amount == 10000


def test_manual_order_form_bad_phone(admin_client, company, manual_account):
    r = admin_client.post(reverse("orders:manual_order"), {
        "m-account": manual_account.pk, "m-ordered_at": "2025-03-01 10:00", "m-recipient_name": "홍길동",
        "m-recipient_phone": "12", "m-address1": "서울", "line-TOTAL_FORMS": "1", "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "1", "line-MAX_NUM_FORMS": "20", "line-0-product_name": "A", "line-0-quantity": "1",
        "line-0-unit_price": "1"})
    assert r.status_code == 400 and "전화번호" in r.content.decode()
    assert not Order.objects.filter(company=company).exists()


def test_viewer_cannot_upload_or_save(viewer_client, company, manual_account):
    assert viewer_client.get(reverse("orders:upload")).status_code == 200
    r = upload(viewer_client, manual_account, xlsx(NAVER_HEADERS, [naver_row()]))
    assert r.status_code == 403
    assert viewer_client.post(reverse("orders:manual_order"), {}).status_code == 403
    assert viewer_client.post(reverse("orders:export_templates"), {"name": "x", "columns": ["account"]}).status_code == 403
    assert viewer_client.post(reverse("orders:upload_mapping_create"), {"name": "x"}).status_code == 403
    assert not Order.objects.filter(company=company).exists() and not ExportTemplate.objects.exists()


# ---------------------------------------------------------------- user mappings


def test_upload_mapping_crud(admin_client, company, manual_account):
    data = {"account": manual_account.pk, "name": "자사몰 양식", "header_row": 2, "col_order_id": "주문번호",
            "col_ordered_at": "주문일", "col_recipient_name": "받는분", "col_recipient_phone": "연락처",
            "col_address1": "주소", "col_product_name": "상품", "col_quantity": "수량"}
    r = admin_client.post(reverse("orders:upload_mapping_create"), data)
    assert r.status_code == 302
    m = UploadMapping.objects.get(company=company)
    assert m.header_row == 2 and m.columns["recipient_phone"] == "연락처"
    r = admin_client.post(reverse("orders:upload_mapping_edit", args=[m.pk]), {**data, "col_quantity": "개수"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.columns["quantity"] == "개수"
    bad = admin_client.post(reverse("orders:upload_mapping_create"), {**data, "name": "누락", "col_quantity": ""})
    assert bad.status_code == 400 and "수량" in bad.content.decode()
    assert admin_client.post(reverse("orders:upload_mapping_delete", args=[m.pk])).status_code == 302
    assert not UploadMapping.objects.filter(company=company).exists()


# ---------------------------------------------------------------- export templates + export


def test_export_template_crud_and_order(admin_client, company):
    r = admin_client.post(reverse("orders:export_templates"), {
        "name": "택배사 양식", "columns": ["recipient_name", "recipient_phone", "bogus", "product_name", "recipient_name"]})
    assert r.status_code == 302
    t = ExportTemplate.objects.get(company=company)
    assert t.columns == ["recipient_name", "recipient_phone", "product_name"]
    dup = admin_client.post(reverse("orders:export_templates"), {"name": "택배사 양식", "columns": ["account"]})
    assert dup.status_code == 400 and "이미 있습니다" in dup.content.decode()
    empty = admin_client.post(reverse("orders:export_templates"), {"name": "빈 양식"})
    assert empty.status_code == 400 and "열을 하나 이상" in empty.content.decode()
    r = admin_client.post(reverse("orders:export_template_edit", args=[t.pk]), {
        "name": "택배사 양식2", "columns": ["product_name", "quantity"]})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.name == "택배사 양식2" and t.columns == ["product_name", "quantity"]
    page = admin_client.get(reverse("orders:export_template_edit", args=[t.pk])).content.decode()
    assert page.index('value="product_name"') < page.index('value="quantity"') < page.index('value="account"')
    assert admin_client.post(reverse("orders:export_template_delete", args=[t.pk])).status_code == 302
    assert not ExportTemplate.objects.filter(company=company).exists()


def test_export_with_template_writes_personal_data_log(admin_client, company, admin_user):
    account = make_account(company)
    make_raw_order(account, no="E-1", lines=2, recipient="김수령")
    make_raw_order(account, no="E-2", status="hold")
    t = ExportTemplate.objects.create(company=company, name="송장", columns=["channel_order_id", "recipient_name",
                                                                             "quantity"])
    r = admin_client.get(reverse("orders:export"), {"template": t.pk, "status": "new"})
    assert r.status_code == 200
    rows = sheet_rows(r)
    assert rows[0] == ["주문번호", "수령자", "수량"]
    assert rows[1:] == [["E-1", "김수령", 1], ["E-1", "김수령", 1]]  # one row per line, full data in the file
    log = PersonalDataDownloadLog.objects.get(company=company)
    assert log.record_count == 2 and log.user == admin_user and log.screen == "orders.list"
    assert log.filters == {"date_field": "ordered", "statuses": ["new"]}


def test_export_selection_only_and_no_log_without_personal_columns(admin_client, company):
    account = make_account(company)
    a = make_raw_order(account, no="S-1")
    make_raw_order(account, no="S-2")
    t = ExportTemplate.objects.create(company=company, name="상품만", columns=["channel_order_id", "product_name"])
    rows = sheet_rows(admin_client.get(reverse("orders:export"), {"template": t.pk, "order": [a.pk]}))
    assert [r[0] for r in rows[1:]] == ["S-1"]
    assert not PersonalDataDownloadLog.objects.exists()
    rows = sheet_rows(admin_client.get(reverse("orders:export"), {"order": [a.pk]}))  # default template: has buyer data
    assert "주문자" in rows[0]
    assert PersonalDataDownloadLog.objects.get().record_count == 1


def test_export_never_includes_another_companys_orders(other_client, company):
    account = make_account(company)
    o = make_raw_order(account, no="SECRET-EXPORT")
    r = other_client.get(reverse("orders:export"), {"order": [o.pk]})
    assert r.status_code == 302  # nothing of ours selected → back to the list
    rows = sheet_rows(other_client.get(reverse("orders:export")))
    assert rows[1:] == []


def test_isolation_of_every_url_with_an_id(other_client, company, manual_account):
    t = ExportTemplate.objects.create(company=company, name="비밀양식", columns=["account"])
    m = UploadMapping.objects.create(company=company, account=manual_account, name="비밀매핑",
                                     columns={"order_id": "비밀열"})
    assert_isolated(other_client, [
        reverse("orders:export_template_edit", args=[t.pk]), reverse("orders:export_template_delete", args=[t.pk]),
        reverse("orders:upload_mapping_edit", args=[m.pk]), reverse("orders:upload_mapping_delete", args=[m.pk]),
    ], secrets=("비밀양식", "비밀매핑", "비밀열"))
    assert ExportTemplate.objects.filter(pk=t.pk).exists() and UploadMapping.objects.filter(pk=m.pk).exists()
    # another company's account or mapping cannot be used for an upload either
    r = upload(other_client, manual_account, xlsx(NAVER_HEADERS, [naver_row()]))
    assert r.status_code == 400 and not Order.objects.exists()
    r = other_client.get(reverse("orders:export"), {"template": t.pk})
    assert r.status_code == 404


# ---------------------------------------------------------------- sample files of the built-in mappings


@pytest.mark.parametrize("code,kind", [("naver", ChannelKind.MANUAL), ("coupang", ChannelKind.COUPANG)])
def test_sample_file_of_each_builtin_mapping_uploads_as_one_order(admin_client, company, code, kind):
    page = admin_client.get(reverse("orders:upload")).content.decode()
    assert f'data-testid="upload-sample-{code}"' in page
    r = admin_client.get(reverse("orders:upload_sample") + f"?code={code}")
    assert r.status_code == 200 and "_%EC%83%98%ED%94%8C.xlsx" in r["Content-Disposition"]
    rows = [list(x) for x in load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert len(rows) == 2 and "주문번호" in rows[0] and "유기농 현미 4kg" in rows[1]
    account = make_account(company, f"샘플-{code}", kind)
    up = upload(admin_client, account, r.content, mapping=f"builtin:{code}", name="sample.xlsx")
    assert up.status_code == 200, up.content.decode()[:2000]
    line = OrderLine.objects.get(company=company, account=account)
    assert line.product_name == "유기농 현미 4kg" and line.seller_product_code == "RICE-4KG"


def test_sample_file_of_an_unknown_mapping_is_404(admin_client, viewer_client):
    assert admin_client.get(reverse("orders:upload_sample") + "?code=nope").status_code == 404
    assert viewer_client.get(reverse("orders:upload_sample") + "?code=naver").status_code == 200
