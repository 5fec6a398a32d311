"""Parcel labels (운송장) as PDF (SHP-2): a pure function from `LabelData` to PDF bytes.

- `single`: one 123 × 100 mm label per page (the CJ standard label stock size).
- `a4_2`:  two full-size labels per A4 page; `a4_4`: four per A4 page, scaled to fit 2 × 2.

Per the PIPC guidance the recipient is printed masked — name 홍*동, phone 010-1234-**** — with the
full postal code and address. The tracking number is printed as a Code128 barcode (digits-only numbers
encode as subset C) and as text, grouped with dashes where the carrier has a convention (CJ 4-4-4).
Korean text uses the catalogue's label font finder (`marketdock.catalog.labels.label_font`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from marketdock.catalog.labels import label_font
from marketdock.core.masking import mask_name, mask_phone

from .tracking_numbers import NumberRule, display

LABEL_W = 123 * mm
LABEL_H = 100 * mm
LAYOUTS = ("single", "a4_2", "a4_4")
# what the screens call each layout
LAYOUT_LABELS = {"single": gettext_lazy("123×100mm 라벨 (1장 1매)"), "a4_2": gettext_lazy("A4 2매"),
                 "a4_4": gettext_lazy("A4 4매 (축소)")}
MAX_LABELS = 20_000
ITEM_LINES = 5


@dataclass
class LabelData:
    sender_name: str
    sender_phone: str
    sender_address: str
    recipient_name: str
    recipient_phone: str
    recipient_postal_code: str
    recipient_address1: str
    recipient_address2: str = ""
    items: Sequence[tuple[str, str, int]] = ()  # (product name, option, quantity)
    delivery_message: str = ""
    carrier_name: str = ""
    tracking_number: str = ""
    box_size: str = ""
    order_numbers: Sequence[str] = ()
    print_date: date | None = None
    number_rule: NumberRule | None = field(default=None, repr=False)  # for the carrier's dash grouping


def sender_from_warehouse(warehouse) -> dict[str, str]:
    """The sender fields of a label from the contract's warehouse (출고지)."""
    address = f"({warehouse.postal_code}) {warehouse.address}" if warehouse.postal_code else warehouse.address
    return {"sender_name": warehouse.sender_name or warehouse.name, "sender_phone": warehouse.phone,
            "sender_address": address}


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with "…" so it fits `width`."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    ell = pdfmetrics.stringWidth("…", font, size)
    used, out = 0.0, []
    for ch in text:
        w = pdfmetrics.stringWidth(ch, font, size)
        if used + w + ell > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Greedy wrap by character (Korean addresses need not have spaces); the last line ends in "…"
    when text is left over."""
    lines: list[str] = []
    line, used = "", 0.0
    for i, ch in enumerate(text):
        w = pdfmetrics.stringWidth(ch, font, size)
        if used + w > width and line:
            if len(lines) == max_lines - 1:
                lines.append(_fit(line + text[i:], font, size, width))
                return lines
            cut = line.rfind(" ")
            if cut > len(line) * 0.6:  # prefer breaking at a space near the end
                lines.append(line[:cut])
                line = line[cut + 1:]
                used = pdfmetrics.stringWidth(line, font, size)
            else:
                lines.append(line)
                line, used = "", 0.0
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines[:max_lines]


def item_lines(items: Sequence[tuple[str, str, int]], max_lines: int = ITEM_LINES) -> list[str]:
    """Goods lines: "name [option] × qty"; beyond `max_lines` the last line says "외 N건"."""
    texts = []
    for name, option, qty in items:
        label = f"{name} [{option}]" if option else name
        texts.append(f"{label} × {qty}")
    if len(texts) <= max_lines:
        return texts
    shown = texts[:max_lines - 1]
    return [*shown, f"외 {len(texts) - len(shown)}건"]


def _barcode(value: str, width: float, height: float) -> code128.Code128:
    """Code128 exactly `width` wide (bars only; the caller leaves the quiet zone around it)."""
    probe = code128.Code128(value, barHeight=height, humanReadable=False, quiet=False)
    modules = probe.width / probe.barWidth
    return code128.Code128(value, barHeight=height, barWidth=width / modules, humanReadable=False, quiet=False)


def _draw(c: canvas.Canvas, label: LabelData, font: str) -> None:
    """One label in a 123 × 100 mm box whose lower-left corner is the current origin."""
    w, h, pad = LABEL_W, LABEL_H, 4 * mm
    inner = w - 2 * pad
    c.setLineWidth(0.6)
    c.rect(0, 0, w, h)

    # header: carrier, print date, tracking number as text and barcode
    top = h - pad
    c.setFont(font, 11)
    c.drawString(pad, top - 10, _fit(label.carrier_name or "-", font, 11, inner * 0.5))
    c.setFont(font, 7)
    printed = label.print_date.strftime("%Y-%m-%d") if label.print_date else ""
    c.drawRightString(w - pad, top - 8, f"출력일 {printed}" if printed else "")
    number = label.tracking_number
    shown = display(label.number_rule, number) if number else ""
    c.setFont(font, 8)
    c.drawString(pad, top - 21, "운송장번호")
    c.setFont("Helvetica-Bold", 15)
    c.drawString(pad + 17 * mm, top - 22, shown)
    bar_top = top - 26
    if number:
        bar = _barcode(number, 60 * mm, 11 * mm)  # quiet zone: ≥ 8 mm clear on both sides
        bar.drawOn(c, w - 9 * mm - bar.width, bar_top - 11 * mm)
    c.line(0, bar_top - 13 * mm, w, bar_top - 13 * mm)

    # recipient: masked name and phone, full postal code and address
    y = bar_top - 13 * mm - 4 * mm
    c.setFont(font, 7.5)
    c.drawString(pad, y, "받는 분")
    c.setFont(font, 13)
    c.drawString(pad + 13 * mm, y - 2, _fit(f"{mask_name(label.recipient_name)}   {mask_phone(label.recipient_phone)}",
                                            font, 13, inner - 40 * mm))
    c.setFont("Helvetica-Bold", 16)
    c.drawRightString(w - pad, y - 3, label.recipient_postal_code or "")
    y -= 8 * mm
    address = " ".join(part for part in (label.recipient_address1.strip(), label.recipient_address2.strip()) if part)
    c.setFont(font, 11)
    for line in _wrap(address, font, 11, inner, 3):
        c.drawString(pad, y, line)
        y -= 4.6 * mm
    if label.delivery_message:
        c.setFont(font, 8.5)
        c.drawString(pad, y, _fit(f"배송메시지: {label.delivery_message}", font, 8.5, inner))
        y -= 4 * mm
    y -= 1 * mm
    c.line(0, y, w, y)

    # goods
    y -= 4 * mm
    c.setFont(font, 7.5)
    c.drawString(pad, y, "상품")
    c.setFont(font, 8.5)
    for line in item_lines(label.items):
        c.drawString(pad + 9 * mm, y, _fit(line, font, 8.5, inner - 9 * mm))
        y -= 3.8 * mm

    # footer: sender, order numbers, box size
    base = pad + 11 * mm
    c.line(0, base + 3.5 * mm, w, base + 3.5 * mm)
    c.setFont(font, 7.5)
    c.drawString(pad, base, "보내는 분")
    c.setFont(font, 8.5)
    c.drawString(pad + 13 * mm, base, _fit(f"{label.sender_name}  {label.sender_phone}", font, 8.5, inner - 13 * mm))
    c.setFont(font, 7.5)
    c.drawString(pad + 13 * mm, base - 4 * mm, _fit(label.sender_address, font, 7.5, inner - 13 * mm))
    orders = ", ".join(label.order_numbers)
    c.setFont(font, 7)
    c.drawString(pad, pad, _fit(f"주문번호 {orders}" if orders else "", font, 7, inner - 25 * mm))
    if label.box_size:
        c.drawRightString(w - pad, pad, f"박스 {label.box_size}")


def _slots(layout: str) -> tuple[tuple[float, float], list[tuple[float, float]], float]:
    """(page size, lower-left corner of each label on a page, scale)."""
    if layout == "single":
        return (LABEL_W, LABEL_H), [(0, 0)], 1.0
    pw, ph = A4
    if layout == "a4_2":
        x = (pw - LABEL_W) / 2
        gap = (ph - 2 * LABEL_H) / 3
        return A4, [(x, ph - gap - LABEL_H), (x, gap)], 1.0
    if layout == "a4_4":
        cell_w, cell_h = pw / 2, ph / 2
        scale = min((cell_w - 8 * mm) / LABEL_W, (cell_h - 8 * mm) / LABEL_H)
        lw, lh = LABEL_W * scale, LABEL_H * scale
        ox, oy = (cell_w - lw) / 2, (cell_h - lh) / 2
        return A4, [(ox, cell_h + oy), (cell_w + ox, cell_h + oy), (ox, oy), (cell_w + ox, oy)], scale
    raise ValueError(f"unknown label layout {layout!r}; one of {', '.join(LAYOUTS)}")


def labels_pdf(labels: Iterable[LabelData], *, layout: str = "single", title: str = "운송장") -> bytes:
    """PDF bytes with every label, in order."""
    page_size, slots, scale = _slots(layout)
    font = label_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=page_size, pageCompression=1)
    c.setTitle(title)
    slot = 0
    drawn = 0
    for label in labels:
        if drawn >= MAX_LABELS:
            raise ValueError(f"at most {MAX_LABELS} labels per PDF")
        if slot == len(slots):
            c.showPage()
            slot = 0
        x, y = slots[slot]
        c.saveState()
        c.translate(x, y)
        c.scale(scale, scale)
        _draw(c, label, font)
        c.restoreState()
        slot += 1
        drawn += 1
    if drawn == 0:
        c.setFont(font, 10)
        c.drawString(10 * mm, page_size[1] - 15 * mm, "출력할 운송장이 없습니다.")
    c.showPage()
    c.save()
    return buf.getvalue()
