"""Demo step: contracts and bands from the default warehouse, once."""

from __future__ import annotations

from marketdock.shipping.demo import demo_shipping
from marketdock.shipping.models import CarrierContract, TrackingNumberBand
from tests.factories.shipping import make_sender_warehouse


def test_demo_step_is_idempotent_and_quiet_without_a_warehouse(company):
    out: list[str] = []
    demo_shipping(company, out)
    assert out == [] and not CarrierContract.objects.exists()
    make_sender_warehouse(company)
    demo_shipping(company, out)
    demo_shipping(company, out)
    assert len(out) == 1
    assert CarrierContract.objects.filter(company=company, is_default=True).get().carrier.key == "cj"
    assert TrackingNumberBand.objects.filter(company=company).count() == 2
