"""Companies, users and logged-in clients."""

from __future__ import annotations

from django.test import Client

from marketdock.core.models import Company, Role, User
from marketdock.core.services import company_create

PASSWORD = "Test-pass-1234"


def make_company(code: str, admin_username: str, business_no: str = "124-81-00998") -> Company:
    return company_create(
        code=code, name=f"{code} 상사", business_no=business_no, admin_username=admin_username,
        admin_password=PASSWORD, admin_email=f"{admin_username}@example.com", admin_phone="010-1234-5678",
    )


def make_user(company: Company, username: str, builtin: str = "operator", **extra) -> User:
    user = User(username=username, company=company, role=Role.objects.get(company=company, builtin=builtin),
                email=f"{username}@example.com", **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def login_client(user: User) -> Client:
    """A test client logged in as `user` (no password round trip)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client
