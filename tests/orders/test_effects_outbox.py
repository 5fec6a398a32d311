"""Channel effects (SHP-4): 발주확인/송장전송/발송지연 delivered from the outbox exactly once through a
marketplace outage, per-line answers written back onto the order (effect_result_record), the
"전송 실패" filter and the retry of a whole failed message or of the refused lines only.

The handlers here are fakes registered for the test (the channel handlers live in
marketdock.orders.services.effects); each test puts back whatever handler was registered before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marketdock.channels.connectors.errors import BusinessError, TemporaryError
from marketdock.orders.models import Order, OrderEffect, OrderEvent, OrderStatus
from marketdock.orders.selectors import OrderFilters, effect_states, order_search
from marketdock.orders.services import effect_result_record, order_effects_retry, order_transition
from marketdock.outbox import services as outbox
from marketdock.outbox.models import OutboxMessage
from tests.factories.channels import make_account_with_credentials
from tests.factories.orders import co, ingest

pytestmark = pytest.mark.django_db
S = OrderStatus
Status = OutboxMessage.Status


class FakeMarketplace:
    """Receives 발주확인: down while `down`, refuses the line ids in `refuse`, records what arrived."""

    def __init__(self) -> None:
        self.down = False
        self.refuse: set[str] = set()
        self.reject_all = ""
        self.address_changed: set[str] = set()
        self.received: list[str] = []

    def __call__(self, message: OutboxMessage):
        if self.down:
            raise TemporaryError("503 Service Unavailable", marketplace="coupang", status=503)
        if self.reject_all:
            raise BusinessError(self.reject_all, marketplace="coupang", code="400")
        ids = list(message.payload["line_ids"])
        ok = [i for i in ids if i not in self.refuse]
        self.received.extend(ok)
        result = {"confirmed": ok, "failed": [{"order_line_id": i, "code": "E1", "message": "이미 취소된 주문"}
                                              for i in ids if i in self.refuse],
                  "address_changed": [i for i in ok if i in self.address_changed]}
        effect_result_record(message.company, message, result)
        return result


@pytest.fixture
def marketplace():
    fake = FakeMarketplace()
    before = outbox.handler_for("confirm")
    outbox.outbox_handler("confirm")(fake)
    yield fake
    if before is not None:
        outbox.outbox_handler("confirm")(before)
    else:
        outbox._handlers.pop("confirm", None)


@pytest.fixture
def account(company):
    return make_account_with_credentials(company)


def confirmed(company, account, user, no="1", lines=1) -> Order:
    ingest(account, [co(no, f"{no}-{i}") for i in range(1, lines + 1)])
    order = Order.objects.get(company=company, channel_order_id=no)
    assert order_transition(company=company, orders=[order], to=S.CONFIRMED, user=user).ok_count == 1
    return order


def failed_ids(company) -> list[int]:
    return list(order_search(company, OrderFilters(effect="failed")).values_list("pk", flat=True))


def test_outage_then_recovery_delivers_exactly_once(company, account, admin_user, marketplace):
    orders = [confirmed(company, account, admin_user, no=str(n)) for n in range(1, 4)]
    marketplace.down = True
    now = timezone.now()
    for _round in range(3):
        assert outbox.outbox_deliver_due(now=now) == {"retry": 3}
        now += timedelta(hours=2)
    assert marketplace.received == [] and failed_ids(company) == []  # retrying is not failing
    assert set(effect_states(company, [o.pk for o in orders]).values()) == {"pending"}
    marketplace.down = False
    assert outbox.outbox_deliver_due(now=now) == {"sent": 3}
    assert outbox.outbox_deliver_due(now=now + timedelta(hours=5)) == {}
    assert sorted(marketplace.received) == ["1-1", "2-1", "3-1"]
    assert set(OrderEffect.objects.values_list("state", flat=True)) == {"sent"}
    assert OrderEvent.objects.filter(kind="effect_sent").count() == 3


def test_refused_lines_show_as_failed_and_retry_sends_only_them(company, account, admin_user, marketplace):
    order = confirmed(company, account, admin_user, lines=2)
    other = confirmed(company, account, admin_user, no="2")
    marketplace.refuse = {"1-2"}
    assert outbox.outbox_deliver_due() == {"sent": 2}
    assert failed_ids(company) == [order.pk]
    effect = order.effects.get()
    assert effect.state == "failed" and effect.failed_lines == ["1-2"] and "이미 취소된 주문" in effect.error
    assert effect_states(company, [order.pk, other.pk]) == {order.pk: "failed", other.pk: "sent"}
    marketplace.refuse = set()
    result = order_effects_retry(company=company, orders=[order, other], user=admin_user)
    assert [o.ok for o in result] == [True, False]
    assert outbox.outbox_deliver_due() == {"sent": 1}
    assert marketplace.received == ["1-1", "2-1", "1-2"]  # nothing twice
    assert failed_ids(company) == []
    assert list(order.effects.order_by("id").values_list("state", flat=True)) == ["superseded", "sent"]


def test_business_error_fails_the_message_and_retry_sends_it_again(company, account, admin_user, marketplace):
    order = confirmed(company, account, admin_user)
    marketplace.reject_all = "판매자 인증 정보가 올바르지 않습니다."
    assert outbox.outbox_deliver_due() == {"failed": 1}
    assert failed_ids(company) == [order.pk]
    message = OutboxMessage.objects.get()
    assert message.status == Status.FAILED and message.last_error == "판매자 인증 정보가 올바르지 않습니다."
    marketplace.reject_all = ""
    assert order_effects_retry(company=company, orders=[order], user=admin_user).ok_count == 1
    assert failed_ids(company) == []
    assert outbox.outbox_deliver_due() == {"sent": 1}
    assert marketplace.received == ["1-1"] and OutboxMessage.objects.count() == 1


def test_confirm_reports_address_changed_after_collection(company, account, admin_user, marketplace):
    order = confirmed(company, account, admin_user)
    marketplace.address_changed = {"1-1"}
    outbox.outbox_deliver_due()
    order.refresh_from_db()
    assert order.address_changed is True
    assert "운송장 출력 전에 주소를 다시 확인" in OrderEvent.objects.get(order=order, kind="address").message


def test_effect_result_of_another_company_is_ignored(company, other_company, account, admin_user):
    order = confirmed(company, account, admin_user)
    message = OutboxMessage.objects.get()
    assert effect_result_record(other_company, message, {"failed": []}) is None
    assert order.effects.get().state == "pending"
