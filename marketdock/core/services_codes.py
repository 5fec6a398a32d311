"""Common codes (공통코드, SYS-10): a company's code groups and their codes.

The system groups (BRAND, SEASON, SUPPLIER) exist for every company; later screens read them with
`selectors.code_choices`, so they cannot be deleted and their group code cannot change.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import CommonCode, CommonCodeGroup, Company

GROUP_CODE_RE = re.compile(r"^[A-Z0-9_]{1,30}$")


def _clean_group(*, company: Company, code: str, name: str, exclude_pk: int | None = None) -> tuple[str, str]:
    code, name = code.strip().upper(), name.strip()
    errors: dict[str, str] = {}
    if not GROUP_CODE_RE.match(code):
        errors["code"] = _("그룹코드는 영문 대문자, 숫자, _ 만 쓸 수 있습니다 (30자 이내).")
    elif CommonCodeGroup.objects.filter(company=company, code=code).exclude(pk=exclude_pk).exists():
        errors["code"] = _("그룹코드 '%(code)s'은(는) 이미 있습니다.") % {"code": code}
    if not name:
        errors["name"] = _("그룹명을 입력하세요.")
    elif len(name) > 50:
        errors["name"] = _("그룹명은 50자 이내로 입력하세요.")
    if errors:
        raise ValidationError(errors)
    return code, name


def code_group_create(*, company: Company, code: str, name: str, description: str = "") -> CommonCodeGroup:
    code, name = _clean_group(company=company, code=code, name=name)
    try:
        with transaction.atomic():
            return CommonCodeGroup.objects.create(
                company=company, code=code, name=name, description=description.strip()[:200]
            )
    except IntegrityError:  # a concurrent create of the same code
        raise ValidationError({"code": _("그룹코드 '%(code)s'은(는) 이미 있습니다.") % {"code": code}})


def code_group_update(*, group: CommonCodeGroup, code: str, name: str, description: str = "") -> CommonCodeGroup:
    if group.is_system and code.strip().upper() != group.code:
        raise ValidationError({"code": _("시스템 그룹의 그룹코드는 바꿀 수 없습니다.")})
    code, name = _clean_group(company=group.company, code=code, name=name, exclude_pk=group.pk)
    group.code, group.name, group.description = code, name, description.strip()[:200]
    group.save(update_fields=["code", "name", "description"])
    return group


def code_usage(codes) -> list[tuple[str, int]]:
    """Where these codes are used: [(model verbose name, row count), ...] over every model that
    points at CommonCode (products' brand, inbound suppliers, ...)."""
    usage = []
    # include_hidden: most FKs to a code use related_name="+"
    for rel in CommonCode._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        count = rel.related_model._default_manager.filter(**{f"{rel.field.name}__in": codes}).count()
        if count:
            usage.append((str(rel.related_model._meta.verbose_name), count))
    return usage


def _refuse_if_used(codes, label: str) -> None:
    usage = code_usage(codes)
    if usage:
        where = ", ".join(_("%(what)s %(n)s건") % {"what": what, "n": n} for what, n in usage)
        raise ValidationError(
            _("%(label)s은(는) %(where)s에서 쓰고 있어 삭제할 수 없습니다. 삭제 대신 사용을 끄세요.")
            % {"label": label, "where": where}
        )


def code_group_delete(*, group: CommonCodeGroup) -> None:
    if group.is_system:
        raise ValidationError(_("시스템 그룹 '%(name)s'은(는) 삭제할 수 없습니다.") % {"name": group.name})
    _refuse_if_used(group.codes.all(), _("이 그룹의 코드"))
    with transaction.atomic():
        group.codes.all().delete()
        group.delete()


def _clean_code(*, group: CommonCodeGroup, code: str, name: str, sort_order, exclude_pk: int | None = None):
    code, name = code.strip(), name.strip()
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = _("코드를 입력하세요.")
    elif len(code) > 30:
        errors["code"] = _("코드는 30자 이내로 입력하세요.")
    elif CommonCode.objects.filter(group=group, code=code).exclude(pk=exclude_pk).exists():
        errors["code"] = _("코드 '%(code)s'은(는) '%(group)s' 그룹에 이미 있습니다.") % {"code": code, "group": group.name}
    if not name:
        errors["name"] = _("코드명을 입력하세요.")
    elif len(name) > 100:
        errors["name"] = _("코드명은 100자 이내로 입력하세요.")
    try:
        order = int(sort_order if sort_order not in (None, "") else 0)
        if order < 0 or order > 999999:
            raise ValueError
    except (TypeError, ValueError):
        errors["sort_order"] = _("정렬순서는 0 이상의 정수로 입력하세요.")
        order = 0
    if errors:
        raise ValidationError(errors)
    return code, name, order


def code_create(*, group: CommonCodeGroup, code: str, name: str, sort_order: int | str | None = None,
                is_active: bool = True) -> CommonCode:
    if sort_order in (None, ""):
        last = group.codes.order_by("-sort_order").values_list("sort_order", flat=True).first()
        sort_order = (last or 0) + 10
    code, name, order = _clean_code(group=group, code=code, name=name, sort_order=sort_order)
    try:
        with transaction.atomic():
            return CommonCode.objects.create(
                company_id=group.company_id, group=group, code=code, name=name, sort_order=order, is_active=is_active
            )
    except IntegrityError:
        raise ValidationError({"code": _("코드 '%(code)s'은(는) '%(group)s' 그룹에 이미 있습니다.") % {
            "code": code, "group": group.name}})


def code_update(*, code: CommonCode, new_code: str, name: str, sort_order: int | str | None,
                is_active: bool) -> CommonCode:
    value, name, order = _clean_code(group=code.group, code=new_code, name=name, sort_order=sort_order,
                                     exclude_pk=code.pk)
    code.code, code.name, code.sort_order, code.is_active = value, name, order, is_active
    code.save(update_fields=["code", "name", "sort_order", "is_active"])
    return code


def code_delete(*, code: CommonCode) -> None:
    """Delete an unused code; a code products or other rows point at can only be switched off."""
    _refuse_if_used([code], _("코드 '%(code)s'") % {"code": code.code})
    code.delete()
