"""Option axes (색상, 사이즈, ...) and the SKU grid they generate. Pure functions, no database."""

from __future__ import annotations

import itertools
import re

from django.utils.translation import gettext as _

MAX_AXES = 3
MAX_VALUES_PER_AXIS = 50
MAX_COMBINATIONS = 500
DEFAULT_CODE_PATTERN = "{code}-{n}"
_PATTERN_TOKEN = re.compile(r"\{(code|n|n2|n3|opt1|opt2|opt3)\}")


class AxisError(ValueError):
    pass


def split_values(text: str) -> list[str]:
    """'블랙, 화이트 ,네이비' → ['블랙', '화이트', '네이비'] (commas or line breaks)."""
    parts = re.split(r"[,\n]", text or "")
    return [p.strip() for p in parts if p.strip()]


def normalize_axes(axes: list[dict]) -> list[dict]:
    """Validate and clean option axes; raises AxisError naming what is wrong."""
    cleaned: list[dict] = []
    names: set[str] = set()
    for axis in axes or []:
        name = str(axis.get("name") or "").strip()
        values = axis.get("values") or []
        if isinstance(values, str):
            values = split_values(values)
        values = [str(v).strip() for v in values if str(v).strip()]
        if not name and not values:
            continue
        if not name:
            raise AxisError(_("옵션값 %(values)s 의 옵션명을 입력하세요.") % {"values": ", ".join(values)})
        if not values:
            raise AxisError(_("옵션 '%(name)s'의 옵션값을 하나 이상 입력하세요.") % {"name": name})
        if name in names:
            raise AxisError(_("옵션명 '%(name)s'이(가) 두 번 있습니다.") % {"name": name})
        if len(name) > 30:
            raise AxisError(_("옵션명 '%(name)s'은(는) 30자 이하로 입력하세요.") % {"name": name})
        seen: set[str] = set()
        for v in values:
            if v in seen:
                raise AxisError(_("옵션 '%(name)s'에 값 '%(value)s'이(가) 두 번 있습니다.") % {"name": name, "value": v})
            if len(v) > 50:
                raise AxisError(_("옵션값 '%(value)s'은(는) 50자 이하로 입력하세요.") % {"value": v})
            if "/" in v:
                raise AxisError(_("옵션값 '%(value)s'에 '/'는 쓸 수 없습니다.") % {"value": v})
            seen.add(v)
        if len(values) > MAX_VALUES_PER_AXIS:
            raise AxisError(_("옵션 '%(name)s'의 값은 %(max)s개까지입니다.") % {"name": name, "max": MAX_VALUES_PER_AXIS})
        names.add(name)
        cleaned.append({"name": name, "values": values})
    if len(cleaned) > MAX_AXES:
        raise AxisError(_("옵션은 %(max)s개까지 만들 수 있습니다.") % {"max": MAX_AXES})
    total = 1
    for axis in cleaned:
        total *= len(axis["values"])
    if total > MAX_COMBINATIONS:
        raise AxisError(
            _("옵션 조합이 %(n)s개입니다. 한 상품의 단품은 %(max)s개까지입니다.") % {"n": total, "max": MAX_COMBINATIONS}
        )
    return cleaned


def combinations(axes: list[dict]) -> list[dict[str, str]]:
    """Every option combination in grid order; no axes = one combination without options."""
    if not axes:
        return [{}]
    names = [a["name"] for a in axes]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(a["values"] for a in axes))]


def option_text(axes: list[dict], values: dict[str, str]) -> str:
    """'블랙 / S' in axis order."""
    return " / ".join(values[a["name"]] for a in axes if a["name"] in values)


def option_key(values: dict[str, str]) -> str:
    """A stable key for a combination, independent of dict order."""
    return "|".join(f"{k}={values[k]}" for k in sorted(values))


def validate_pattern(pattern: str) -> str:
    pattern = (pattern or "").strip()
    if not pattern:
        return ""
    leftover = _PATTERN_TOKEN.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        raise AxisError(
            _("단품코드 규칙 '%(p)s'에 알 수 없는 항목이 있습니다. {code}, {n}, {n2}, {n3}, {opt1}~{opt3}만 쓸 수 있습니다.")
            % {"p": pattern}
        )
    if "{n" not in pattern and "{opt" not in pattern:
        raise AxisError(_("단품코드 규칙에는 {n} 또는 {opt1} 같은 구분 항목이 있어야 합니다."))
    return pattern


def sku_code(pattern: str, *, product_code: str, n: int, axes: list[dict], values: dict[str, str]) -> str:
    """Build a SKU code from a pattern: {code}, {n}, {n2}/{n3} (zero-padded), {opt1}..{opt3}."""
    pattern = pattern or DEFAULT_CODE_PATTERN
    opts = [values.get(a["name"], "") for a in axes] + ["", "", ""]
    mapping = {
        "code": product_code, "n": str(n), "n2": f"{n:02d}", "n3": f"{n:03d}",
        "opt1": opts[0], "opt2": opts[1], "opt3": opts[2],
    }
    code = _PATTERN_TOKEN.sub(lambda m: mapping[m.group(1)], pattern)
    return re.sub(r"\s+", "", code)[:60]
