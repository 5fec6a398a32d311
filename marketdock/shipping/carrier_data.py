"""The carrier master's data: Korean parcel carriers, their tracking-number rules and each
marketplace's code for them (Naver's official enum; Coupang's article; Shopify free-text company
names; GoodsFlow transporters; 11st and ESM (G마켓·옥션) codes marked unverified where only third parties list them).

Rules: lengths are Coupang's (the strictest marketplace gate); the mod-7 check digit is enforced only
where every real sample agreed (롯데 12, 한진 10/12, 로젠 11). CJ has no usable check digit.
Seeded by migration 0002 and re-applied by `carriers_ensure()` (updates rows in place, keyed by
carrier key and channel)."""

ANY_8_16 = list(range(8, 17))
TRACK = {
    "cj": "https://trace.cjlogistics.com/next/tracking.html?wblNo=",
    "hanjin": "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038&schLang=KR&wblnum=",
    "lotte": "https://www.lotteglogis.com/open/tracking?invno=",
    "logen": "https://www.ilogen.com/web/personal/trace/",
    "epost": "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?displayHeader=N&sid1=",
    "gs_postbox": "https://www.cvsnet.co.kr/invoice/tracking.do?invoice_no=",
    "cu_post": "https://www.cupost.co.kr/postbox/delivery/localResult.cupost?invoice_no=",
}

# key, name, English name (Shopify company), lengths, check digits, format, display groups, bands?
CARRIERS = [
    ("cj", "CJ대한통운", "CJ Logistics", [10, 12], {}, "digits", {"12": [4, 4, 4]}, True),
    ("hanjin", "한진택배", "Hanjin Express", [10, 12], {"10": "mod7", "12": "mod7"}, "digits", {}, True),
    ("lotte", "롯데택배", "Lotte Global Logistics", [10, 12, 13], {"12": "mod7"}, "digits", {}, True),
    ("logen", "로젠택배", "Logen", [10, 11], {"11": "mod7"}, "digits", {}, True),
    ("epost", "우체국택배", "Korea Post", [13], {}, "digits", {}, True),
    ("epost_registered", "우편등기", "Korea Post Registered Mail", [13], {}, "digits", {}, False),
    ("kdexp", "경동택배", "Kyungdong Express", ANY_8_16, {}, "digits", {}, True),
    ("daesin", "대신택배", "Daesin Logistics", [13], {}, "digits", {}, True),
    ("ilyang", "일양로지스", "Ilyang Logis", ANY_8_16, {}, "digits", {}, True),
    ("chunil", "천일택배", "Chunil Express", [11], {}, "digits", {}, True),
    ("hapdong", "합동택배", "Hapdong Express", ANY_8_16, {}, "digits", {}, True),
    ("gs_postbox", "GS Postbox 편의점택배", "GS Postbox (CVSnet)", [10, 12], {}, "digits", {}, False),
    ("cu_post", "CU 편의점택배", "CU Post", [10, 12], {}, "digits", {}, False),
    ("kunyoung", "건영택배", "Kunyoung Express", ANY_8_16, {}, "digits", {}, True),
    ("honam", "우리택배(구 호남택배)", "Woori Express", ANY_8_16, {}, "digits", {}, True),
    ("slx", "SLX택배", "SLX", ANY_8_16, {}, "digits", {}, True),
    ("nonghyup", "농협택배", "Nonghyup Logistics", ANY_8_16, {}, "digits", {}, True),
    ("homepick", "홈픽택배", "Homepick", ANY_8_16, {}, "digits", {}, True),
    ("ems", "EMS", "EMS", [], {}, "s10", {}, False),
    ("direct", "업체직송", "Direct delivery", [], {}, "digits", {}, False),
    ("other", "기타 택배", "Other", [], {}, "digits", {}, False),
]

# key: {channel: code or (code, verified)}
CODES = {
    "cj": {"naver": "CJGLS", "coupang": "CJGLS", "goodsflow": "KOREX", "11st": "00034", "esm": ("10013", False)},
    "hanjin": {"naver": "HANJIN", "coupang": "HANJIN", "goodsflow": "HANJIN", "esm": ("10007", False)},
    "lotte": {"naver": "HYUNDAI", "coupang": "HYUNDAI", "goodsflow": "LOTTE", "11st": ("00012", False),
              "esm": ("10008", False)},
    "logen": {"naver": "KGB", "coupang": "KGB", "goodsflow": "LOGEN", "11st": ("00002", False), "esm": ("10003", False)},
    "epost": {"naver": "EPOST", "coupang": "EPOST", "goodsflow": "EPOST", "esm": ("10001", False)},
    "epost_registered": {"naver": "REGISTPOST", "coupang": "REGISTPOST"},
    "kdexp": {"naver": "KDEXP", "coupang": "KDEXP"},
    "daesin": {"naver": "DAESIN", "coupang": "DAESIN"},
    "ilyang": {"naver": "ILYANG", "coupang": "ILYANG", "goodsflow": "ILYANG"},
    "chunil": {"naver": "CHUNIL", "coupang": "CHUNIL"},
    "hapdong": {"naver": "HDEXP", "coupang": "HDEXP"},
    "gs_postbox": {"naver": "CVSNET", "coupang": ("CVS", False)},
    "cu_post": {"naver": "CUPARCEL"},
    "kunyoung": {"naver": "KUNYOUNG", "coupang": ("KUNYOUNG", False)},
    "honam": {"naver": "HONAM", "coupang": ("HONAM", False)},
    "slx": {"naver": "SLX", "coupang": ("SLX", False)},
    "nonghyup": {"naver": "NONGHYUP", "coupang": ("NHLOGIS", False)},
    "homepick": {"naver": "HOMEPICK"},
    "ems": {"naver": "EMS", "coupang": ("EMS", False)},
    "direct": {"coupang": "DIRECT"},
    "other": {"naver": "CH1", "esm": ("10070", False)},
}


def carriers_seed(Carrier, CarrierChannelCode) -> None:
    """Create or update every carrier and its codes (idempotent). Takes the model classes so the
    data migration can pass its historical models."""
    for order, (key, name, name_en, lengths, checks, fmt, groups, bands) in enumerate(CARRIERS, start=1):
        carrier, _created = Carrier.objects.update_or_create(key=key, defaults={
            "name": name, "name_en": name_en, "lengths": lengths, "check_digits": checks, "number_format": fmt,
            "display_groups": groups, "tracking_url": TRACK.get(key, ""), "supports_bands": bands,
            "sort_order": order * 10, "is_active": True,
        })
        codes = dict(CODES.get(key, {}))
        codes["shopify"] = name_en  # Shopify takes a free-text company name (+ a tracking URL)
        for channel, value in codes.items():
            code, verified = value if isinstance(value, tuple) else (value, True)
            CarrierChannelCode.objects.update_or_create(carrier=carrier, channel=channel,
                                                        defaults={"code": code, "verified": verified})


def carriers_ensure() -> None:
    """Seed the carrier master when any carrier is missing (e.g. after a test database flush);
    leaves an existing complete master as it is."""
    from .models import Carrier, CarrierChannelCode

    if Carrier.objects.filter(key__in=[row[0] for row in CARRIERS]).count() < len(CARRIERS):
        carriers_seed(Carrier, CarrierChannelCode)
