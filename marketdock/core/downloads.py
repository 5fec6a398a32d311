"""File downloads every screen hands out (xlsx exports, error reports): one content type, one
Content-Disposition that keeps Korean file names intact in every browser."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes | IO[bytes], filename: str) -> HttpResponse:
    """An attachment response for xlsx bytes or an open (spooled) file."""
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=XLSX)
    else:
        response = FileResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
