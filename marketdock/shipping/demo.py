"""Demo data: a default CJ대한통운 contract and a 롯데택배 contract from the default warehouse, each
with a tracking-number band. Idempotent; quiet when the company has no warehouse yet."""

from __future__ import annotations

from marketdock.inventory.models import Warehouse

from . import selectors, services
from .carrier_data import carriers_ensure


def demo_shipping(company, out: list[str]) -> None:
    carriers_ensure()
    warehouse = Warehouse.objects.filter(company=company, is_active=True).order_by("-is_default", "id").first()
    if warehouse is None or selectors.contracts(company).exists():
        return
    cj = services.contract_save(
        company=company, carrier=selectors.carrier_by_key("cj"), name="CJ 기본계약", contract_code="DEMO-CJ-0001",
        warehouse=warehouse, is_default=True,
        box_rates=[{"code": "B02", "name": "극소형", "price": 2800}, {"code": "B05", "name": "소형", "price": 3100},
                   {"code": "B10", "name": "중형", "price": 3600}, {"code": "B20", "name": "대형", "price": 4700}])
    lotte = services.contract_save(
        company=company, carrier=selectors.carrier_by_key("lotte"), name="롯데 반품·대형", contract_code="DEMO-LT-0001",
        warehouse=warehouse,
        box_rates=[{"code": "B05", "name": "B", "price": 3300}, {"code": "B10", "name": "C", "price": 3900}])
    services.band_create(company=company, contract=cj, start="690000000001", end="690000005000", warning_threshold=300,
                         memo="데모 대역")
    services.band_create(company=company, contract=lotte, start="30000010001", end="30000010400", warning_threshold=500,
                         memo="데모 대역 (소진 임박)")
    out.append(f"{company.code}: carrier contracts CJ, 롯데 with tracking-number bands")
