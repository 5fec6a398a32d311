"""담당자 (CS-3): changes with history, bulk assign, the "mine" filter, rules (round-robin fair and
safe under several workers, by channel) applied to new claims and inquiries."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from marketdock.claims import selectors_cs as selectors
from marketdock.claims.models import (
    AssignmentChange,
    AssignmentRule,
    Claim,
    ClaimEvent,
    ClaimEventKind,
    InquiryEvent,
)
from marketdock.claims.services import assign, assign_new
from marketdock.claims.services.assignment import round_robin_take
from tests.factories.channels import make_account
from tests.factories.core import make_user
from tests.factories.cs import make_account_claim, make_rule
from tests.factories.inquiries import make_inquiry

pytestmark = pytest.mark.django_db
RR, BY_CHANNEL = AssignmentRule.Mode.ROUND_ROBIN, AssignmentRule.Mode.BY_CHANNEL


@pytest.fixture
def account(company):
    return make_account(company, "스마트스토어")


def test_assign_keeps_history_and_writes_the_claim_event(company, account, admin_user, operator_user):
    claim = make_account_claim(account)
    assign(company=company, assignee=operator_user, claims=[claim], user=admin_user)
    assign(company=company, assignee=admin_user, claims=[claim], user=admin_user)
    assign(company=company, assignee=None, claims=[claim], user=admin_user)
    claim.refresh_from_db()
    assert claim.assignee is None
    changes = list(AssignmentChange.objects.filter(claim=claim).order_by("pk"))
    assert [(c.old_assignee, c.new_assignee) for c in changes] == [
        (None, operator_user), (operator_user, admin_user), (admin_user, None)]
    events = ClaimEvent.objects.filter(claim=claim, kind=ClaimEventKind.ASSIGNED).order_by("pk")
    assert events.count() == 3 and "미배정" in events.last().message


def test_same_assignee_again_changes_nothing(company, account, admin_user, operator_user):
    claim = make_account_claim(account, assignee=operator_user)
    result = assign(company=company, assignee=operator_user, claims=[claim], user=admin_user)
    assert result.changed == [] and len(result.unchanged) == 1
    assert not AssignmentChange.objects.filter(claim=claim).exists()


def test_inquiry_assignment_writes_its_event(company, account, admin_user, operator_user):
    inquiry = make_inquiry(account)
    assign(company=company, assignee=operator_user, inquiries=[inquiry], user=admin_user)
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind=ClaimEventKind.ASSIGNED).count() == 1
    assert AssignmentChange.objects.get(inquiry=inquiry).new_assignee == operator_user


def test_bulk_assign_skips_other_companies_rows(company, other_company, account, admin_user, operator_user):
    mine = [make_account_claim(account) for _ in range(3)]
    theirs = make_account_claim(make_account(other_company, "남의 몰"))
    result = assign(company=company, assignee=operator_user, claims=[c.pk for c in mine] + [theirs.pk],
                    user=admin_user)
    assert len(result.changed) == 3
    theirs.refresh_from_db()
    assert theirs.assignee is None


def test_a_user_of_another_company_cannot_be_assignee(company, other_admin, account, admin_user):
    claim = make_account_claim(account)
    with pytest.raises(ValidationError):
        assign(company=company, assignee=other_admin, claims=[claim], user=admin_user)
    claim.refresh_from_db()
    assert claim.assignee is None and not AssignmentChange.objects.exists()


def test_mine_filter_for_claims_and_inquiries(company, account, admin_user, operator_user):
    mine_claim = make_account_claim(account, assignee=operator_user)
    make_account_claim(account, assignee=admin_user)
    free = make_account_claim(account)
    mine_q = make_inquiry(account, assignee=operator_user)
    make_inquiry(account)
    claims = Claim.objects.filter(company=company)
    assert list(selectors.mine(claims, operator_user)) == [mine_claim]
    assert list(selectors.assignee_filter(claims, "none", operator_user)) == [free]
    assert selectors.assignee_filter(claims, "", operator_user).count() == 3
    assert list(selectors.assignee_filter(mine_q.__class__.objects.filter(company=company), "mine",
                                          operator_user)) == [mine_q]


def test_round_robin_deals_new_items_in_turn(company, account, admin_user, operator_user):
    third = make_user(company, "acme_third")
    make_rule(company, RR, [admin_user, operator_user, third])
    claims = [make_account_claim(account) for _ in range(7)]
    inquiries = [make_inquiry(account) for _ in range(2)]
    assert assign_new(company, claims=claims, inquiries=inquiries) == 9
    counts = Counter(Claim.objects.filter(company=company).values_list("assignee", flat=True))
    counts.update(i.__class__.objects.filter(pk=i.pk).values_list("assignee", flat=True)[0] for i in inquiries)
    assert sorted(counts.values()) == [3, 3, 3]  # fair over claims and inquiries together
    change = AssignmentChange.objects.filter(claim=claims[0]).get()
    assert change.by_rule is not None and change.user is None


def test_rules_leave_assigned_items_alone(company, account, admin_user, operator_user):
    make_rule(company, RR, [admin_user])
    claim = make_account_claim(account, assignee=operator_user)
    assert assign_new(company, claims=[claim]) == 0
    claim.refresh_from_db()
    assert claim.assignee == operator_user


def test_by_channel_rule_goes_first_then_round_robin(company, account, admin_user, operator_user):
    coupang = make_account(company, "쿠팡", kind="coupang")
    make_rule(company, BY_CHANNEL, [operator_user], account=coupang, target=AssignmentRule.Target.CLAIMS)
    make_rule(company, RR, [admin_user])
    c1, c2 = make_account_claim(coupang), make_account_claim(coupang)
    naver = make_account_claim(account)
    q = make_inquiry(coupang)  # the channel rule is for claims only
    assign_new(company, claims=[c1, c2, naver], inquiries=[q])
    for item in (c1, c2, naver, q):
        item.refresh_from_db()
    assert (c1.assignee, c2.assignee, naver.assignee, q.assignee) == (operator_user, operator_user, admin_user,
                                                                      admin_user)


def test_inactive_rules_and_no_rules_assign_nothing(company, account, admin_user):
    rule = make_rule(company, RR, [admin_user])
    rule.is_active = False
    rule.save()
    claim = make_account_claim(account)
    assert assign_new(company, claims=[claim]) == 0


@pytest.mark.django_db(transaction=True)
def test_round_robin_cursor_under_concurrent_workers(company, admin_user, operator_user):
    """Eight workers each take turns at once: every turn is handed out exactly once."""
    rule = make_rule(company, RR, [admin_user, operator_user])
    taken: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker():
        from django.db import transaction

        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    start = round_robin_take(rule, 3)
                with lock:
                    taken.extend(range(start, start + 3))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(taken) == list(range(8 * 5 * 3))
    rule.refresh_from_db()
    assert rule.cursor == 120
