"""Shipping benchmarks for `marketdock bench`.

`labels`: render `--packages` parcel labels (realistic Korean names, addresses, goods, CJ numbers)
into one PDF with the real renderer, and report seconds and labels per second. Target: 1,000
single labels in under 10 s. No database is touched.
"""

from __future__ import annotations

import random
import time
from datetime import date

from marketdock.core.bench import register

from .labels import LAYOUTS, LabelData, labels_pdf
from .tracking_numbers import NumberRule, compose

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍"
GIVEN = ("민준", "서연", "도윤", "하은", "시우", "지유", "주원", "서윤", "예준", "지민", "길동", "수빈", "현우", "은서")
ROADS = (
    ("06236", "서울특별시 강남구 테헤란로 152", "강남파이낸스센터 21층"),
    ("04799", "서울특별시 성동구 성수이로 100", "1층 101호"),
    ("13529", "경기도 성남시 분당구 판교역로 166", "카카오 판교아지트 B동"),
    ("48058", "부산광역시 해운대구 센텀중앙로 79", "센텀사이언스파크 12층"),
    ("63309", "제주특별자치도 제주시 첨단로 242", ""),
    ("34126", "대전광역시 유성구 대학로 291", "한국과학기술원 N5 305호"),
    ("61452", "광주광역시 동구 금남로 245", "전일빌딩 3층"),
    ("21999", "인천광역시 연수구 컨벤시아대로 165", "포스코타워 송도 2203호"),
)
GOODS = (
    ("오가닉 코튼 반팔 티셔츠", "화이트 / L"), ("린넨 와이드 팬츠", "베이지 / M"), ("데일리 양말 5종 세트", ""),
    ("캔버스 에코백", "네이비"), ("스테인리스 텀블러 500ml", "실버"), ("무선 충전 패드", "블랙"),
    ("수제 그래놀라 1kg", ""), ("제주 감귤 5kg 가정용", "중과"), ("천연 라텍스 베개", "표준형"),
)
MESSAGES = ("", "부재 시 문 앞에 놓아주세요", "경비실에 맡겨주세요", "배송 전 연락 바랍니다", "공동현관 비밀번호 #1234")
CJ = NumberRule("CJ대한통운", (10, 12), {}, display_groups={12: (4, 4, 4)})


def sample_labels(count: int, seed: int = 7) -> list[LabelData]:
    rnd = random.Random(seed)
    labels = []
    for i in range(count):
        postal, road, detail = rnd.choice(ROADS)
        items = [(*rnd.choice(GOODS), rnd.randint(1, 3)) for _ in range(rnd.choice((1, 1, 1, 2, 3, 7)))]
        labels.append(LabelData(
            sender_name="마켓독상사", sender_phone="02-1234-5678",
            sender_address="(04799) 서울특별시 성동구 성수이로 100, 1층",
            recipient_name=rnd.choice(SURNAMES) + rnd.choice(GIVEN),
            recipient_phone=f"010-{rnd.randint(1000, 9999)}-{rnd.randint(1000, 9999)}",
            recipient_postal_code=postal, recipient_address1=road, recipient_address2=detail,
            items=items, delivery_message=rnd.choice(MESSAGES), carrier_name="CJ대한통운",
            tracking_number=compose(CJ, 690000000001 + i, 12), box_size=rnd.choice(("B02", "B05", "B10")),
            order_numbers=[f"2025112{rnd.randint(10**8, 10**9 - 1)}"], print_date=date(2025, 11, 27), number_rule=CJ,
        ))
    return labels


def add_arguments(parser) -> None:
    parser.add_argument("--packages", type=int, default=1000, help="labels to render")
    parser.add_argument("--layout", choices=LAYOUTS, default="single", help="single 123x100 mm, or 2/4 per A4")


def run(options: dict, out) -> dict:
    count = options["packages"]
    labels = sample_labels(count)
    labels_pdf(labels[:1], layout=options["layout"])  # font registration and imports are not the figure
    out(f"rendering {count} labels ({options['layout']})...")
    started = time.perf_counter()
    pdf = labels_pdf(labels, layout=options["layout"])
    seconds = time.perf_counter() - started
    return {"labels": count, "layout": options["layout"], "seconds": round(seconds, 3),
            "labels_per_s": round(count / seconds, 1) if seconds else None, "pdf_bytes": len(pdf),
            "target_seconds": count / 100, "ok": seconds < count / 100}


register("labels", help="Render parcel labels (운송장 PDF) with Korean data; target 1,000 in under 10 s.",
         add_arguments=add_arguments, run=run)
