"""The carriers the sandbox's tracking API knows, by every name a marketplace or a seller uses for
them: the carrier key ("cj", also what GoodsFlow-style trackers take), the English company name
Shopify's trackingInfo.company carries, and the marketplaces' codes (Naver's enum, Coupang's codes,
GoodsFlow transporters, 11st and ESM numbers). A code equal to the key (HANJIN, EPOST, ...) is the key itself.

The sandbox imitates the outside world and depends on core only, so it keeps this small table of its
own instead of reading the OMS carrier master; tests/sandbox checks that every carrier code the OMS
can send resolves here to the same carrier."""

from __future__ import annotations

CARRIER_NAMES: dict[str, tuple[str, ...]] = {
    "cj": ("CJ Logistics", "CJGLS", "KOREX", "00034", "10013"),
    "hanjin": ("Hanjin Express", "10007"),
    "lotte": ("Lotte Global Logistics", "HYUNDAI", "00012", "10008"),
    "logen": ("Logen", "KGB", "00002", "10003"),
    "epost": ("Korea Post", "10001"),
    "epost_registered": ("Korea Post Registered Mail", "REGISTPOST"),
    "kdexp": ("Kyungdong Express",),
    "daesin": ("Daesin Logistics",),
    "ilyang": ("Ilyang Logis",),
    "chunil": ("Chunil Express",),
    "hapdong": ("Hapdong Express", "HDEXP"),
    "gs_postbox": ("GS Postbox (CVSnet)", "CVSNET", "CVS"),
    "cu_post": ("CU Post", "CUPARCEL"),
    "kunyoung": ("Kunyoung Express",),
    "honam": ("Woori Express",),
    "slx": ("SLX",),
    "nonghyup": ("Nonghyup Logistics", "NHLOGIS"),
    "homepick": ("Homepick",),
    "ems": ("EMS",),
    "direct": ("Direct delivery",),
    "other": ("Other", "CH1", "10070"),
}


def carrier_aliases() -> dict[str, str]:
    """Every name a carrier goes by (lower-case) → the carrier key."""
    names: dict[str, str] = {}
    for key, others in CARRIER_NAMES.items():
        names[key.lower()] = key
        for name in others:
            names.setdefault(name.lower(), key)
    return names
