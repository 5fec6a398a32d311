"""The plans the operator sells (SYS-8). No payment here: the operator records a plan change.

Monthly quotas reset on the 1st (KST); cumulative limits count what exists. None = unlimited. Users
are seats (a user ID is bought), so they follow core's PLAN_LIMITS and are refused at the limit; the
other limits have the 10 % grace of `core.usage`. A company in its 15-day trial has the 베이직 limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketdock.core.models import PLAN_LIMITS, Company, Plan


@dataclass(frozen=True)
class PlanSpec:
    key: str
    monthly_fee: int  # KRW, VAT excluded
    orders: int | None  # 주문수집수 per month
    products: int | None  # 상품등록수 per month
    skus: int | None  # DB저장수
    stores: int | None  # 쇼핑몰 계정수
    users: int | None

    @property
    def label(self) -> str:
        return str(Plan(self.key).label)

    def limit(self, metric: str) -> int | None:
        return getattr(self, metric)


PLANS: dict[str, PlanSpec] = {
    Plan.BASE.value: PlanSpec(Plan.BASE.value, 80_000, orders=3_000, products=1_000, skus=10_000, stores=10,
                              users=PLAN_LIMITS[Plan.BASE]["users"]),
    Plan.PRO.value: PlanSpec(Plan.PRO.value, 200_000, orders=20_000, products=5_000, skus=100_000, stores=30,
                             users=PLAN_LIMITS[Plan.PRO]["users"]),
    Plan.ENTERPRISE.value: PlanSpec(Plan.ENTERPRISE.value, 0, orders=None, products=None, skus=None, stores=None,
                                    users=PLAN_LIMITS[Plan.ENTERPRISE]["users"]),
}


def plan_of(company: Company) -> PlanSpec:
    return PLANS.get(company.plan, PLANS[Plan.BASE.value])


def limit_source(company: Company, metric: str) -> int | None:
    """Registered with core.usage at ready(): the company's limit of `metric`."""
    return plan_of(company).limit(metric)
