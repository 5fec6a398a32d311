"""Demo data. `run_demo()` creates the demo companies and users, then runs every registered step
(apps add products, warehouses, channel accounts... in their AppConfig.ready()). Steps must be
idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from .models import Company, Notice, Role, User
from .services import builtin_roles_ensure, company_create

DEMO_PASSWORD = "demo1234!"

# (code, name, business no, admin username, admin email, admin phone)
DEMO_COMPANIES = (
    ("demo", "데모상사", "124-81-00998", "admin", "admin@demo.example", "010-1111-2222"),
    ("demo2", "두번째상점", "220-81-62517", "demo2admin", "admin@demo2.example", "010-3333-4444"),
)

DEMO_STEPS: list[Callable[[Company, list[str]], None]] = []


def register_step(step: Callable[[Company, list[str]], None]) -> Callable[[Company, list[str]], None]:
    if step not in DEMO_STEPS:
        DEMO_STEPS.append(step)
    return step


def run_demo() -> list[str]:
    out: list[str] = []
    for code, name, brn, admin_username, email, phone in DEMO_COMPANIES:
        company = Company.objects.filter(code=code).first()
        if company is None:
            company = company_create(
                code=code, name=name, business_no=brn, admin_username=admin_username, admin_password=DEMO_PASSWORD,
                admin_email=email, admin_phone=phone, admin_name="관리자",
            )
            out.append(f"company {code} created with admin {admin_username}")
        else:
            builtin_roles_ensure(company)
        if code == "demo" and not User.objects.filter(username="viewer").exists():
            viewer = User(
                username="viewer", company=company, role=Role.objects.get(company=company, builtin="viewer"),
                name="조회담당", email="viewer@demo.example", phone="010-5555-6666", password_changed_at=timezone.now(),
            )
            viewer.set_password(DEMO_PASSWORD)
            viewer.save()
            out.append("user viewer (조회전용) created")
        for step in DEMO_STEPS:
            step(company, out)
    if not Notice.objects.filter(title__startswith="[marketdock 데모]").exists():
        now = timezone.now()
        Notice.objects.create(
            title="[marketdock 데모] 환영합니다",
            body="데모 회사입니다. 데모 비밀번호(demo1234!)는 공개되어 있으니 실제 운영 전에 반드시 바꾸세요.",
            starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(days=3650), is_popup=True,
        )
    return out
