"""Parcel labels: what is printed (masked recipient, full address, tracking number with the carrier's
dashes, "외 N건"), page sizes of the three layouts, and a barcode that a real reader decodes to the
tracking number."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm

from marketdock.shipping.labels import LabelData, _barcode, item_lines, labels_pdf, sender_from_warehouse
from marketdock.shipping.tracking_numbers import NumberRule

CJ = NumberRule("CJ대한통운", (10, 12), {}, display_groups={12: (4, 4, 4)})


def make_label(**extra) -> LabelData:
    values = dict(
        sender_name="데모상사", sender_phone="02-555-0101", sender_address="(04799) 서울특별시 성동구 성수이로 100, 1층",
        recipient_name="홍길동", recipient_phone="010-9876-5432", recipient_postal_code="06236",
        recipient_address1="서울특별시 강남구 테헤란로 152", recipient_address2="강남파이낸스센터 21층 2103호",
        items=[("오가닉 코튼 반팔 티셔츠", "화이트 / L", 2)], delivery_message="문 앞에 놓아주세요",
        carrier_name="CJ대한통운", tracking_number="632976615493", box_size="B05", order_numbers=["2025112712345678"],
        print_date=date(2025, 11, 27), number_rule=CJ)
    values.update(extra)
    return LabelData(**values)


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_recipient_is_masked_and_the_rest_is_printed_in_full():
    text = _text(labels_pdf([make_label()]))[0]
    assert "010-9876-****" in text
    assert "5432" not in text  # the phone's last four digits never reach the paper
    assert "홍*동" in text and "홍길동" not in text
    assert "06236" in text
    assert "테헤란로 152" in text and "2103호" in text
    assert "6329-7661-5493" in text  # CJ's 4-4-4 grouping
    assert "데모상사" in text and "02-555-0101" in text  # the sender stays readable
    assert "오가닉 코튼 반팔 티셔츠 [화이트 / L] × 2" in text
    assert "문 앞에 놓아주세요" in text and "2025112712345678" in text and "2025-11-27" in text


def test_two_character_names_and_other_carriers_numbers():
    text = _text(labels_pdf([make_label(recipient_name="김철", carrier_name="롯데택배", tracking_number="317651308380",
                                        number_rule=NumberRule("롯데택배", (12,), {12: "mod7"}))]))[0]
    assert "김*" in text and "김철" not in text
    assert "317651308380" in text  # no dash convention known for Lotte


def test_many_items_end_with_a_count_of_the_rest():
    items = [(f"상품{i}", "", 1) for i in range(1, 9)]
    assert item_lines(items, 5) == ["상품1 × 1", "상품2 × 1", "상품3 × 1", "상품4 × 1", "외 4건"]
    assert item_lines(items[:5], 5) == [f"상품{i} × 1" for i in range(1, 6)]
    text = _text(labels_pdf([make_label(items=items)]))[0]
    assert "외 4건" in text and "상품5" not in text


def test_long_names_and_addresses_are_cut_not_overflowing():
    label = make_label(recipient_address1="경기도 " * 60, items=[("아주 긴 상품명 " * 20, "옵션 " * 10, 1)],
                       delivery_message="메시지 " * 50)
    text = _text(labels_pdf([label]))[0]
    assert "…" in text


@pytest.mark.parametrize("layout, count, pages, size_mm", [
    ("single", 3, 3, (123, 100)),
    ("a4_2", 3, 2, (210, 297)),
    ("a4_4", 9, 3, (210, 297)),
])
def test_layouts(layout, count, pages, size_mm):
    labels = [make_label(tracking_number=f"6329766154{i:02d}", recipient_name=f"수령자{i}") for i in range(count)]
    reader = PdfReader(io.BytesIO(labels_pdf(labels, layout=layout)))
    assert len(reader.pages) == pages
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == size_mm
    text = "".join(page.extract_text() for page in reader.pages)
    assert all(f"6329-7661-54{i:02d}" in text for i in range(count))


def test_unknown_layout_and_empty_input():
    with pytest.raises(ValueError):
        labels_pdf([make_label()], layout="a5")
    assert "출력할 운송장이 없습니다" in _text(labels_pdf([]))[0]


def test_sender_comes_from_the_warehouse():
    class W:
        name, sender_name, phone, postal_code, address = "본사창고", "마켓독상사", "02-1234-5678", "04799", "서울 성동구"

    assert sender_from_warehouse(W) == {"sender_name": "마켓독상사", "sender_phone": "02-1234-5678",
                                        "sender_address": "(04799) 서울 성동구"}


def _decode_code128_set_c(values: list[int]) -> str:
    """Read the symbol values reportlab encoded: start C (105), digit pairs, checksum, stop."""
    assert values[0] == 105 and values[-1] == 106
    data, check = values[1:-2], values[-2]
    assert check == (105 + sum(v * (i + 1) for i, v in enumerate(data))) % 103
    return "".join(f"{v:02d}" for v in data)


@pytest.mark.parametrize("number", ["632976615493", "1547827315", "317651308380"])
def test_the_barcode_encodes_the_number_as_code128_set_c(number):
    bar = _barcode(number, 60 * mm, 11 * mm)
    bar.validate()
    bar.encode()
    assert _decode_code128_set_c(bar.encoded) == number
    assert abs(bar.width - 60 * mm) < 0.5  # scaled to the space on the label
    assert isinstance(bar, code128.Code128)


@pytest.mark.skipif(shutil.which("pdftoppm") is None and os.environ.get("CI") != "true", reason="pdftoppm (poppler-utils) is not installed")
@pytest.mark.parametrize("number", ["632976615493", "6892058349240", "20286005541"])
def test_a_barcode_reader_decodes_the_tracking_number(tmp_path, number):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(labels_pdf([make_label(tracking_number=number)]))
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(tmp_path / "label")], check=True)
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "label.png"))
    decoded = [(r.text, r.format) for r in results]
    assert (number, zxingcpp.BarcodeFormat.Code128) in decoded


@pytest.mark.django_db
def test_labels_benchmark_reports_its_figures():
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("bench", "labels", "--packages", "5", "--json", stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["labels"] == 5 and figures["seconds"] > 0 and figures["labels_per_s"] > 0


def test_benchmark_sample_labels_render_and_mask():
    from marketdock.shipping.benchmarks import sample_labels

    labels = sample_labels(20)
    text = "".join(_text(labels_pdf(labels)))
    for label in labels:
        assert label.recipient_phone not in text
        assert f"{label.tracking_number[:4]}-{label.tracking_number[4:8]}-{label.tracking_number[8:]}" in text
