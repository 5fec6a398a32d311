"""Recipient keys for grouping orders into packages (합포장): an address compared after
normalisation (`address_key`), so "서울시 강남구 테헤란로 1 , 101호" and "서울특별시 강남구 테헤란로1 101호"
are one address; a name without spacing or case (`name_key`); and the hash of both with the phone,
channel account and warehouse (`group_key`)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from marketdock.core.validators import normalize_phone

# --- address normalisation ------------------------------------------------------------------------

# 시·도 in every spelling sellers and marketplaces use → one short form
_REGIONS = {
    "서울": ("서울특별시", "서울시", "서울"),
    "부산": ("부산광역시", "부산시", "부산"),
    "대구": ("대구광역시", "대구시", "대구"),
    "인천": ("인천광역시", "인천시", "인천"),
    "광주": ("광주광역시", "광주시", "광주"),
    "대전": ("대전광역시", "대전시", "대전"),
    "울산": ("울산광역시", "울산시", "울산"),
    "세종": ("세종특별자치시", "세종시", "세종"),
    "경기": ("경기도", "경기"),
    "강원": ("강원특별자치도", "강원도", "강원"),
    "충북": ("충청북도", "충북"),
    "충남": ("충청남도", "충남"),
    "전북": ("전북특별자치도", "전라북도", "전북"),
    "전남": ("전라남도", "전남"),
    "경북": ("경상북도", "경북"),
    "경남": ("경상남도", "경남"),
    "제주": ("제주특별자치도", "제주도", "제주"),
}
_REGION_OF = {spelling: short for short, spellings in _REGIONS.items() for spelling in spellings}
# only the first token is read as a 시·도 ("광주" alone is 광주광역시; 경기 광주시 starts with 경기)
_PAREN = re.compile(r"\([^()]*\)")
_SPLIT = re.compile(r"[\s,.·/~]+")
_JIBUN = re.compile(r"(\d)\s*번지")


def address_key(address1: str, address2: str = "") -> str:
    """A comparison key for a Korean address, tolerant of 시·도 spellings (서울/서울시/서울특별시),
    spacing, punctuation, 번지 and the optional 참고항목 in parentheses. Tokens are joined without
    spaces, except that two numbers stay apart (테헤란로 11, 01호 ≠ 테헤란로 1, 101호)."""
    text = unicodedata.normalize("NFKC", f"{address1 or ''} {address2 or ''}").lower()
    text = _PAREN.sub(" ", text)
    text = _JIBUN.sub(r"\1 ", text).replace("번지", " ")
    text = re.sub(r"\s*-\s*", "-", text)
    tokens = [t.strip("-") for t in _SPLIT.split(text)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return ""
    tokens[0] = _REGION_OF.get(tokens[0], tokens[0])
    out = tokens[0]
    for token in tokens[1:]:
        out += ("|" if out[-1].isdigit() and token[0].isdigit() else "") + token
    return out


def name_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).lower()


def group_key(*, account_id: int, warehouse_id: int | None, name: str, phone: str, address: str) -> str:
    raw = "|".join((str(account_id), str(warehouse_id or ""), name_key(name), normalize_phone(phone or ""), address))
    return hashlib.sha256(raw.encode()).hexdigest()
