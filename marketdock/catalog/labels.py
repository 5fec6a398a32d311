"""SKU barcode labels as PDF (CAT-8): Code128, or EAN-13 when the barcode is a valid EAN-13,
optional QR; A4 label sheets or single 50×30 mm labels; product names in a Korean font."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, eanbc, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

logger = logging.getLogger(__name__)

MAX_LABELS = 5000
CID_FALLBACK = "HYSMyeongJo-Medium"

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
    "/usr/local/share/fonts/NanumGothic.ttf",
    "/Library/Fonts/NanumGothic.ttf",
    "/System/Library/Fonts/Supplemental/AppleGothic.ttf",
    "C:/Windows/Fonts/malgun.ttf",
)


def ean13_check_digit(first12: str) -> int:
    """GS1 check digit of 12 digits: weights 1,3,1,3... from the left."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("12 digits expected")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == int(code[12])


def find_korean_ttf() -> str | None:
    """A TrueType font with Hangul: the MARKETDOCK_LABEL_FONT setting, known paths, then fc-match."""
    configured = os.environ.get("MARKETDOCK_LABEL_FONT", "")
    candidates = [configured] if configured else []
    candidates += list(FONT_CANDIDATES)
    for path in candidates:
        if path and os.path.isfile(path) and path.lower().endswith(".ttf"):
            return path
    fc = shutil.which("fc-match")
    if fc:
        for pattern in ("NanumGothic", "Noto Sans CJK KR", "sans-serif:lang=ko"):
            try:
                out = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                    [fc, "-f", "%{file}", pattern], capture_output=True, text=True, timeout=5, check=False
                ).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                continue
            if out and out.lower().endswith(".ttf") and os.path.isfile(out):
                return out
    return None


@cache
def label_font() -> str:
    """Register and return the font name used for Korean text on labels."""
    path = find_korean_ttf()
    if path:
        try:
            pdfmetrics.registerFont(TTFont("MarketdockKR", path))
            return "MarketdockKR"
        except Exception:  # a broken font file: fall back to the built-in CID font
            logger.warning("label font %s could not be loaded; using %s", path, CID_FALLBACK, exc_info=True)
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


@dataclass(frozen=True)
class Layout:
    key: str
    page_w: float
    page_h: float
    cols: int
    rows: int
    label_w: float
    label_h: float
    margin_left: float
    margin_top: float
    gap_x: float = 0
    gap_y: float = 0


LAYOUTS: dict[str, Layout] = {
    "a4_3x8": Layout("a4_3x8", *A4, 3, 8, 70 * mm, 37 * mm, 0, 0.5 * mm),
    "a4_4x10": Layout("a4_4x10", *A4, 4, 10, 48.5 * mm, 25.4 * mm, 8 * mm, 21.5 * mm),
    "a4_5x13": Layout("a4_5x13", *A4, 5, 13, 38.1 * mm, 21.2 * mm, 4.7 * mm, 10.7 * mm, 2.5 * mm, 0),
    "single_50x30": Layout("single_50x30", 50 * mm, 30 * mm, 1, 1, 50 * mm, 30 * mm, 0, 0),
}


@dataclass
class LabelItem:
    barcode: str
    name: str
    option_text: str = ""
    code: str = ""
    quantity: int = 1


def _fit(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _barcode_drawing(value: str, width: float, height: float):
    if is_ean13(value):
        widget = eanbc.Ean13BarcodeWidget(value[:12])
        kind = "EAN-13"
    else:
        widget = code128.Code128(value, barHeight=height, humanReadable=False)
        kind = "Code128"
        bw = widget.width
        widget.barWidth = max(0.2, min(1.2, width / max(bw, 1) * widget.barWidth))
        widget = code128.Code128(value, barHeight=height, barWidth=widget.barWidth, humanReadable=False)
        return widget, kind
    b = widget.getBounds()
    w, h = b[2] - b[0], b[3] - b[1]
    d = Drawing(width, height, transform=[width / w, 0, 0, height / h, -b[0] * width / w, -b[1] * height / h])
    d.add(widget)
    return d, kind


def _draw_label(c: canvas.Canvas, item: LabelItem, x: float, y: float, w: float, h: float, *, with_qr: bool, font: str):
    pad = min(2 * mm, w * 0.05)
    inner_w = w - 2 * pad
    name_size = max(5.0, min(9.0, h / 4.5))
    small = max(4.5, name_size - 1.5)
    top = y + h - pad
    c.setFont(font, name_size)
    text_w = inner_w
    qr_size = 0.0
    if with_qr:
        qr_size = min(h - 2 * pad, w * 0.32)
        text_w = inner_w - qr_size - pad
        widget = qr.QrCodeWidget(item.barcode)
        b = widget.getBounds()
        bw, bh = b[2] - b[0], b[3] - b[1]
        d = Drawing(qr_size, qr_size, transform=[qr_size / bw, 0, 0, qr_size / bh, 0, 0])
        d.add(widget)
        renderPDF.draw(d, c, x + w - pad - qr_size, y + (h - qr_size) / 2)
    c.drawString(x + pad, top - name_size, _fit(c, item.name, font, name_size, text_w))
    line = top - name_size
    if item.option_text:
        c.setFont(font, small)
        line -= small + 1
        c.drawString(x + pad, line, _fit(c, item.option_text, font, small, text_w))
    digits_h = small + 1
    bar_h = max(4 * mm, line - (y + pad) - digits_h - 1)
    drawing, kind = _barcode_drawing(item.barcode, text_w, bar_h)
    if kind == "EAN-13":  # the EAN-13 symbol carries its own digits under the bars
        ean_w = min(text_w, (bar_h + digits_h) * 1.6)
        drawing, _kind = _barcode_drawing(item.barcode, ean_w, bar_h + digits_h)
        renderPDF.draw(drawing, c, x + pad + (text_w - ean_w) / 2, y + pad)
        return
    bar_w = min(drawing.width, text_w)
    drawing.drawOn(c, x + pad + (text_w - bar_w) / 2, y + pad + digits_h)
    c.setFont("Helvetica", small)
    c.drawCentredString(x + pad + text_w / 2, y + pad, item.barcode)


def labels_pdf(items: list[LabelItem], *, layout: str = "a4_3x8", with_qr: bool = False, skip: int = 0,
               title: str = "labels") -> bytes:
    """A PDF with `quantity` labels per item, filling sheets left→right, top→bottom; `skip` leaves
    the first cells of the first sheet empty (a partly used sheet)."""
    spec = LAYOUTS[layout]
    font = label_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(spec.page_w, spec.page_h))
    c.setTitle(title)
    per_page = spec.cols * spec.rows
    slot = skip % per_page if per_page > 1 else 0
    drawn = 0
    for item in items:
        for _ in range(max(0, item.quantity)):
            if drawn >= MAX_LABELS:
                break
            if slot >= per_page:
                c.showPage()
                slot = 0
            col, row = slot % spec.cols, slot // spec.cols
            x = spec.margin_left + col * (spec.label_w + spec.gap_x)
            y = spec.page_h - spec.margin_top - (row + 1) * spec.label_h - row * spec.gap_y
            _draw_label(c, item, x, y, spec.label_w, spec.label_h, with_qr=with_qr, font=font)
            slot += 1
            drawn += 1
    if drawn == 0:
        c.setFont(font, 10)
        c.drawString(20, spec.page_h - 30, "-")
    c.showPage()
    c.save()
    return buf.getvalue()
