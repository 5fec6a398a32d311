"""`marketdock bench upload_bomb`: the zip-bomb-like spreadsheet (a few hundred KB that unpacks to
Excel's 1,048,576 rows) posted to the 입고확정 엑셀 upload through the whole web stack (middleware,
view, service, page). Reports how long the request took, the status and size of the answer, and how
much the process grew (peak resident memory above the level before the request).
"""

from __future__ import annotations

import io
import resource
import time
import zipfile

from marketdock.core.bench import register

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def bomb(rows: int, declare_dimension: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, text in _PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if declare_dimension:
                sheet.write(f'<dimension ref="A1:C{rows}"/>'.encode())
            sheet.write('<sheetData><row><c t="inlineStr"><is><t>입고번호</t></is></c><c t="inlineStr"><is><t>SKU코드'
                        '</t></is></c><c t="inlineStr"><is><t>수량</t></is></c></row>'.encode())
            chunk = b'<row><c t="inlineStr"><is><t>X</t></is></c><c t="inlineStr"><is><t>X</t></is></c><c><v>1</v></c></row>'
            for _ in range((rows - 1) // 4096):
                sheet.write(chunk * 4096)
            sheet.write(chunk * ((rows - 1) % 4096))
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=1_048_576, help="rows the sheet unpacks to")
    parser.add_argument("--no-dimension", action="store_true", help="leave out the sheet's declared dimension")


def run(options: dict, out) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from marketdock.core.models import Company, User
    from marketdock.core.services import company_create

    company = Company.objects.filter(code="bench").first()
    if company is None:
        company = company_create(code="bench", name="벤치마크", business_no="124-81-00998",
                                 admin_username="bench_admin", admin_password="bench-Pass-1234!")
    admin = User.objects.get(company=company, username="bench_admin")
    data = bomb(options["rows"], not options["no_dimension"])
    out(f"file {len(data) / 1024:.0f} KB, {options['rows']} rows")
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    client.get("/inventory/inbound/upload/")  # warm up: imports, templates, session
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.post("/inventory/inbound/upload/", {"file": SimpleUploadedFile("bomb.xlsx", data)})
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"endpoint": "/inventory/inbound/upload/", "file_kb": round(len(data) / 1024), "rows": options["rows"],
            "status": response.status_code, "seconds": round(seconds, 2), "response_kb": round(len(response.content) / 1024),
            "peak_growth_mb": round((peak - before) / 1024, 1), "peak_rss_mb": round(peak / 1024, 1)}


register("upload_bomb", help="the 1,048,576-row zip-bomb-like xlsx on the inbound upload: time and peak memory",
         add_arguments=add_arguments, run=run)
