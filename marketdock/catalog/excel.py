"""Product Excel files (CAT-9): the template (one row per SKU, Korean headers), the export of
existing products in the same shape, reading an uploaded file into rows, and the error report."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from marketdock.core import downloads, uploads
from marketdock.core.downloads import new_workbook
from marketdock.core.downloads import workbook_bytes as _workbook_bytes

from .models import ProductStatus, SKUStatus, TaxType

MAX_ROWS = 20_000
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 14
    note: str = ""


def columns() -> list[Column]:
    return [
        Column("code", _("상품코드"), True, 16, _("같은 상품의 단품 행은 상품코드가 같아야 합니다")),
        Column("name", _("상품명"), True, 30),
        Column("seller_code", _("판매자상품코드"), False, 16),
        Column("brand", _("브랜드"), False, 14, _("공통코드 BRAND의 코드 또는 이름")),
        Column("category", _("분류"), False, 22, _("예: 의류 > 상의")),
        Column("price", _("판매가"), True, 12, _("원 단위 정수")),
        Column("cost", _("원가"), False, 12),
        Column("tax_type", _("과세구분"), False, 10, _("과세/면세/영세")),
        Column("status", _("상품상태"), False, 10, _("판매중/품절/판매중지/단종")),
        Column("inventory_managed", _("재고관리"), False, 10, _("Y/N")),
        Column("axis_name_1", _("옵션명1"), False, 10, _("예: 색상")),
        Column("axis_value_1", _("옵션값1"), False, 10, _("예: 블랙")),
        Column("axis_name_2", _("옵션명2"), False, 10),
        Column("axis_value_2", _("옵션값2"), False, 10),
        Column("axis_name_3", _("옵션명3"), False, 10),
        Column("axis_value_3", _("옵션값3"), False, 10),
        Column("sku_code", _("단품코드"), False, 18, _("비우면 자동 생성")),
        Column("barcode", _("바코드"), False, 18, _("비우면 단품코드")),
        Column("price_delta", _("옵션가"), False, 10, _("판매가에 더할 금액 (음수 가능)")),
        Column("sku_status", _("단품상태"), False, 10, _("사용/품절/사용안함")),
        Column("is_gift", _("사은품"), False, 8, _("Y/N")),
        Column("safety_stock", _("안전재고"), False, 10),
        Column("reorder_point", _("발주점"), False, 10),
        Column("memo", _("메모"), False, 24),
    ]


def _bool_text(value: bool) -> str:
    return "Y" if value else "N"


def _label_maps():
    return {
        "tax_type": {str(label): value for value, label in TaxType.choices},
        "status": {str(label): value for value, label in ProductStatus.choices},
        "sku_status": {str(label): value for value, label in SKUStatus.choices},
    }


def _header_row(ws, cols: list[Column]) -> None:
    fill = PatternFill("solid", fgColor="DDE7F5")
    req_fill = PatternFill("solid", fgColor="F8D7DA")
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=col.header + ("*" if col.required else ""))
        cell.font = Font(bold=True)
        cell.fill = req_fill if col.required else fill
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"


def _guide_sheet(wb: Workbook, cols: list[Column]) -> None:
    ws = wb.create_sheet(_("작성방법"))
    ws.append([_("항목"), _("필수"), _("설명")])
    for col in cols:
        ws.append([col.header, _("필수") if col.required else "", col.note])
    ws.append([])
    for line in (
        _("한 행에 단품 하나를 적습니다. 옵션이 없는 상품은 한 행입니다."),
        _("같은 상품코드의 행들이 그 상품의 단품 전체입니다. 이미 있는 상품에서 빠진 단품은 삭제되거나, 쓰이고 있으면 사용안함이 됩니다."),
        _("상품 항목(상품명, 판매가...)은 첫 행에만 적어도 됩니다. 다른 행에 다른 값을 적으면 오류입니다."),
        _("이미 있는 상품코드는 수정, 없는 상품코드는 새로 등록합니다."),
    ):
        ws.append([line])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["C"].width = 60


def workbook_bytes(wb: Workbook) -> bytes:
    return _workbook_bytes(wb)


def template_workbook() -> Workbook:
    cols = columns()
    wb = new_workbook()
    ws = wb.active
    ws.title = _("상품")
    _header_row(ws, cols)
    samples = [
        {"code": f"{EXAMPLE_MARK} TS-001", "name": "베이직 라운드 티셔츠", "brand": "", "category": "", "price": 12900, "cost": 5000,
         "tax_type": _("과세"), "status": _("판매중"), "inventory_managed": "Y", "axis_name_1": "색상",
         "axis_value_1": "블랙", "axis_name_2": "사이즈", "axis_value_2": "M", "sku_status": _("사용")},
        {"code": f"{EXAMPLE_MARK} TS-001", "axis_name_1": "색상", "axis_value_1": "블랙", "axis_name_2": "사이즈", "axis_value_2": "L",
         "price_delta": 1000, "sku_status": _("사용")},
    ]
    for sample in samples:
        ws.append([sample.get(c.key, "") for c in cols])
    _guide_sheet(wb, cols)
    return wb


def export_workbook(products, category_paths: dict[int, str]) -> Workbook:
    """Existing products in the template's shape (re-uploadable after editing)."""
    cols = columns()
    wb = new_workbook()
    ws = wb.active
    ws.title = _("상품")
    _header_row(ws, cols)
    for p in products:
        axes = p.option_axes or []
        for sku in p.skus.all():
            values = sku.option_values or {}
            row = {
                "code": p.code, "name": p.name, "seller_code": p.seller_code,
                "brand": p.brand.name if p.brand else "",
                "category": category_paths.get(p.category_id, "") if p.category_id else "",
                "price": p.price, "cost": p.cost, "tax_type": p.get_tax_type_display(),
                "status": p.get_status_display(), "inventory_managed": _bool_text(p.inventory_managed),
                "sku_code": sku.code, "barcode": sku.barcode, "price_delta": sku.price_delta,
                "sku_status": sku.get_status_display(), "is_gift": _bool_text(sku.is_gift),
                "safety_stock": sku.safety_stock, "reorder_point": sku.reorder_point, "memo": p.memo,
            }
            for i, axis in enumerate(axes[:3], start=1):
                row[f"axis_name_{i}"] = axis["name"]
                row[f"axis_value_{i}"] = values.get(axis["name"], "")
            ws.append([row.get(c.key, "") for c in cols])
    _guide_sheet(wb, cols)
    return wb


@dataclass
class ParsedRow:
    number: int  # Excel row number (header = 1)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    headers: dict[str, str]  # key → header text as in the file
    error: str = ""
    examples: int = 0  # the template's example rows, skipped


# The template's example rows carry this before their product code; a row that still has it is the
# example left in the file, never a product (uploading the blank template must change nothing).
EXAMPLE_MARK = "[예시]"


def is_example_code(code: str) -> bool:
    return code.replace(" ", "").startswith(EXAMPLE_MARK)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_upload(fileobj) -> ParsedFile:
    """Read the first sheet: header row 1 (column order free, '*' ignored), data from row 2.
    A file that is not a readable .xlsx gives ParsedFile.error, never an exception."""
    cols = columns()
    by_header = {c.header: c for c in cols}
    with translation.override("ko"):  # files made in either language are accepted
        by_header.update({c.header: c for c in columns()})
    with translation.override("en"):
        by_header.update({c.header.replace(" ", ""): c for c in columns()})
    try:
        with uploads.open_xlsx(fileobj.read(MAX_FILE_BYTES + 1), max_rows=MAX_ROWS + 1, max_bytes=MAX_FILE_BYTES,
                               shown_limit=MAX_ROWS) as sheet:
            return _parse_rows(sheet.rows(), cols, by_header)
    except uploads.UploadRejected as exc:
        return ParsedFile([], {}, str(exc))


def _parse_rows(rows_iter, cols: list[Column], by_header: dict[str, Column]) -> ParsedFile:
    first = next(rows_iter, None)
    header = first[1] if first else None
    if not header or not any(_text(v) for v in header):
        return ParsedFile([], {}, _("첫 행에 제목 행이 없습니다. 상품 양식을 내려받아 사용하세요."))
    index: dict[int, Column] = {}
    headers: dict[str, str] = {}
    for i, cell in enumerate(header):
        text = _text(cell).replace("*", "").replace(" ", "")
        col = by_header.get(text)
        if col is not None and col.key not in headers:
            index[i] = col
            headers[col.key] = col.header
    if not headers:
        return ParsedFile([], {}, _("이 파일은 상품 등록 양식이 아닙니다. 상품 엑셀등록 화면에서 양식을 내려받아 1행 제목을 그대로 두고 "
                                    "2행부터 입력하세요."))
    missing = [c.header for c in cols if c.required and c.key not in headers]
    if missing:
        return ParsedFile([], headers, _("필수 열이 없습니다: %(cols)s. 상품 양식을 내려받아 사용하세요.") % {
            "cols": ", ".join(missing)})
    rows: list[ParsedRow] = []
    examples = 0
    for number, raw in rows_iter:
        values = {col.key: _text(raw[i]) if i < len(raw) else "" for i, col in index.items()}
        if not any(values.values()):
            continue
        if is_example_code(values.get("code", "")):
            examples += 1
            continue
        rows.append(ParsedRow(number, values))
    if not rows:
        if examples:
            return ParsedFile([], headers, _("양식의 예시 행만 있습니다. 예시 행을 지우고 2행부터 상품을 입력하세요."),
                              examples=examples)
        return ParsedFile([], headers, _("데이터 행이 없습니다. 2행부터 상품을 입력하세요."))
    return ParsedFile(rows, headers, examples=examples)


def label_maps() -> dict[str, dict[str, str]]:
    return _label_maps()


def errors_workbook_bytes(errors: list[dict]) -> bytes:
    return downloads.errors_workbook_bytes(errors)
