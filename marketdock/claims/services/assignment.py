"""담당자 (CS-3): who handles a claim or an inquiry, changed by hand (one or many at once) or by the
company's rules for new items, every change kept (`AssignmentChange`) and written to the item's
history (ClaimEvent / InquiryEvent kind ASSIGNED).

Rules (`AssignmentRule`, optional): a *by channel* rule sends everything of its channel account to
its user; a *round-robin* rule deals new items over its users in turn. `assign_new` is what the
collection code calls for the items it has just created: by-channel rules first, then round-robin;
items that already have a 담당자 are left alone. The round-robin cursor is taken with one atomic
UPDATE (cursor = cursor + n) before it is read, so several workers never deal the same turn twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.core.models import User

from ..models import (
    AssignmentChange,
    AssignmentRule,
    Claim,
    ClaimEvent,
    ClaimEventKind,
    Inquiry,
    InquiryEvent,
)

Target = AssignmentRule.Target
Mode = AssignmentRule.Mode


@dataclass
class AssignResult:
    changed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


def _name(user: User | None) -> str:
    return user.display_name if user else _("미배정")


def assignee_check(company, assignee: User | None) -> None:
    """The 담당자 must be an active user of the same company (or None: unassigned)."""
    if assignee is None:
        return
    if assignee.company_id != company.pk or not assignee.is_active:
        raise ValidationError(_("담당자로 지정할 수 없는 사용자입니다. 같은 회사의 사용 중인 사용자를 고르세요."))


def _record(item, *, old, new, actor, rule) -> None:
    now = timezone.now()
    is_claim = isinstance(item, Claim)
    AssignmentChange.objects.create(company_id=item.company_id, claim=item if is_claim else None,
                                    inquiry=None if is_claim else item, old_assignee=old, new_assignee=new,
                                    by_rule=rule, user=actor, created_at=now)
    how = _("자동 배정") if rule else _("담당자 변경")
    message = f"{how}: {_name(old)} → {_name(new)}"
    if is_claim:
        ClaimEvent.objects.create(company_id=item.company_id, claim=item, kind=ClaimEventKind.ASSIGNED,
                                  message=message, old_value=str(old.pk if old else ""),
                                  new_value=str(new.pk if new else ""), user=actor, created_at=now)
    else:
        InquiryEvent.objects.create(company_id=item.company_id, inquiry=item, kind=ClaimEventKind.ASSIGNED,
                                    message=message, user=actor, created_at=now)


def _assign_rows(model, company, ids, assignee, *, actor, rule) -> AssignResult:
    """Set the 담당자 on the rows (locked); a rule only fills rows that still have none."""
    result = AssignResult()
    if not ids:
        return result
    users = {}
    rows = model.objects.select_for_update().filter(company=company, pk__in=list(ids))
    if rule is not None:
        rows = rows.filter(assignee__isnull=True)
    for item in rows.order_by("pk"):
        old_id = item.assignee_id
        if old_id == (assignee.pk if assignee else None):
            result.unchanged.append(item)
            continue
        if old_id and old_id not in users:
            users[old_id] = User.objects.filter(pk=old_id).first()
        old = users.get(old_id)
        item.assignee = assignee
        item.updated_at = timezone.now()
        item.save(update_fields=["assignee", "updated_at"])
        _record(item, old=old, new=assignee, actor=actor, rule=rule)
        result.changed.append(item)
    return result


def assign(*, company, assignee: User | None, claims=(), inquiries=(), user: User | None = None) -> AssignResult:
    """Set the 담당자 of the given claims and inquiries (ids or objects; None = unassign). Items of
    another company are ignored; an item already with that 담당자 is counted unchanged."""
    assignee_check(company, assignee)
    claim_ids = [getattr(c, "pk", c) for c in claims]
    inquiry_ids = [getattr(i, "pk", i) for i in inquiries]
    with transaction.atomic():
        a = _assign_rows(Claim, company, claim_ids, assignee, actor=user, rule=None)
        b = _assign_rows(Inquiry, company, inquiry_ids, assignee, actor=user, rule=None)
    return AssignResult(changed=a.changed + b.changed, unchanged=a.unchanged + b.unchanged)


# --- rules ----------------------------------------------------------------------------------------------


def rule_save(*, company, mode: str, target: str, users: list[User], account=None, is_active: bool = True,
              rule: AssignmentRule | None = None) -> AssignmentRule:
    """Create or change a rule. A by-channel rule needs its channel account and one user; a round-robin
    rule at least one user."""
    if mode not in Mode.values:
        raise ValidationError(_("배정 방식을 고르세요."))
    if target not in Target.values:
        raise ValidationError(_("배정 대상을 고르세요."))
    users = list(dict.fromkeys(users))
    if not users:
        raise ValidationError(_("담당자를 한 명 이상 고르세요."))
    for u in users:
        assignee_check(company, u)
    if account is not None and account.company_id != company.pk:
        raise ValidationError(_("쇼핑몰 계정을 찾을 수 없습니다."))
    if mode == Mode.BY_CHANNEL:
        if account is None:
            raise ValidationError(_("쇼핑몰별 배정에는 쇼핑몰 계정을 골라야 합니다."))
        if len(users) != 1:
            raise ValidationError(_("쇼핑몰별 배정은 담당자 한 명을 고르세요."))
    else:
        account = None
    with transaction.atomic():
        if rule is None:
            rule = AssignmentRule.objects.create(company=company, mode=mode, target=target, account=account,
                                                 is_active=is_active)
        else:
            rule.mode, rule.target, rule.account, rule.is_active = mode, target, account, is_active
            rule.save(update_fields=["mode", "target", "account", "is_active"])
        rule.users.set(users)
    return rule


def rule_delete(*, rule: AssignmentRule) -> None:
    rule.delete()


def _targets(kind: str) -> tuple[str, str]:
    return (kind, Target.BOTH)


def _rule_users(rule: AssignmentRule) -> list[User]:
    return list(rule.users.filter(is_active=True).order_by("pk"))


def round_robin_take(rule: AssignmentRule, n: int) -> int:
    """Reserve `n` consecutive turns of `rule` and return the first. The increment is one UPDATE on
    the rule's row (it holds the row lock until the caller's transaction ends), read back after it."""
    AssignmentRule.objects.filter(pk=rule.pk).update(cursor=F("cursor") + n)
    end = AssignmentRule.objects.filter(pk=rule.pk).values_list("cursor", flat=True).get()
    return end - n


def _apply_rules(company, model, kind: str, items: list, rules: list[AssignmentRule]) -> int:
    items = [i for i in items if i.assignee_id is None]
    if not items:
        return 0
    done = 0
    by_channel = {r.account_id: r for r in rules if r.mode == Mode.BY_CHANNEL and r.target in _targets(kind)}
    rest = []
    for item in items:
        rule = by_channel.get(item.account_id)
        users = _rule_users(rule) if rule else []
        if users:
            done += len(_assign_rows(model, company, [item.pk], users[0], actor=None, rule=rule).changed)
        else:
            rest.append(item)
    rr = next((r for r in rules if r.mode == Mode.ROUND_ROBIN and r.target in _targets(kind)), None)
    users = _rule_users(rr) if rr else []
    if rest and users:
        start = round_robin_take(rr, len(rest))
        for offset, item in enumerate(sorted(rest, key=lambda i: i.pk)):
            user = users[(start + offset) % len(users)]
            done += len(_assign_rows(model, company, [item.pk], user, actor=None, rule=rr).changed)
    return done


def assign_new(company, claims=(), inquiries=()) -> int:
    """Apply the company's active rules to new claims and inquiries (objects) that have no 담당자;
    returns how many were assigned. Call it after the items are saved (collection, manual entry)."""
    claims, inquiries = list(claims), list(inquiries)
    if not claims and not inquiries:
        return 0
    rules = list(AssignmentRule.objects.filter(company=company, is_active=True).order_by("pk"))
    if not rules:
        return 0
    with transaction.atomic():
        done = _apply_rules(company, Claim, Target.CLAIMS, claims, rules)
        done += _apply_rules(company, Inquiry, Target.INQUIRIES, inquiries, rules)
    return done
