"""Demo step: each demo company gets channel accounts on the sandbox marketplace (`marketdock
sandbox`, started by `make run` on http://127.0.0.1:8010; MARKETDOCK_SANDBOX_URL overrides) plus a
자사몰(엑셀) account for Excel orders. The credentials are computed exactly as the sandbox computes
them (same seed as the command's default), so no running sandbox is needed here. The Cafe24 account is
connected without the browser consent: the demo stores the sandbox mall's first token pair directly
(marked expired, so the first call rotates it), exactly what the OAuth callback would have stored. Idempotent: an
existing account is brought back in line with the sandbox (credentials, URL), nothing is duplicated."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache

from django.utils import timezone

from . import selectors, services
from .hosts import allowed_by_operator
from .models import ChannelKind

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8010"

# demo company code -> sandbox shop suffix
SHOP_SUFFIX = {"demo": "demo", "demo2": "demo2"}

ACCOUNT_NAMES = {
    ChannelKind.NAVER: "스마트스토어 (샌드박스)",
    ChannelKind.COUPANG: "쿠팡 (샌드박스)",
    ChannelKind.SHOPIFY: "Shopify (샌드박스)",
    ChannelKind.ELEVENST: "11번가 (샌드박스)",
    ChannelKind.GMARKET: "G마켓 (샌드박스)",
    ChannelKind.AUCTION: "옥션 (샌드박스)",
    ChannelKind.CAFE24: "카페24 (샌드박스)",
}
MANUAL_NAME = "자사몰(엑셀)"


def sandbox_url() -> str:
    return (os.environ.get("MARKETDOCK_SANDBOX_URL") or DEFAULT_SANDBOX_URL).rstrip("/")


def sandbox_seed() -> int:
    """The seed `marketdock sandbox` uses when started without --seed."""
    from marketdock.sandbox.management.commands.sandbox import Command

    return int(Command().create_parser("marketdock", "sandbox").get_default("seed"))


@cache
def sandbox_credentials(seed: int) -> dict[str, dict[str, str]]:
    from marketdock.sandbox.state import SandboxState

    state = SandboxState(seed=seed, order_rate=0, initial_orders=0)
    return {code: dict(shop.credentials) for code, shop in state.shops.items()}


def demo_channel_accounts(company, out: list[str]) -> None:
    suffix = SHOP_SUFFIX.get(company.code)
    if suffix is None:
        return
    credentials = sandbox_credentials(sandbox_seed())
    base_url = sandbox_url()
    if not allowed_by_operator(base_url):
        out.append(f"{company.code}: sandbox channel accounts skipped — {base_url} is not in MARKETDOCK_ALLOWED_API_HOSTS "
                   "(`make run` sets it; otherwise set it to the sandbox's host:port)")
        base_url = ""
    for kind in ACCOUNT_NAMES:
        if not base_url:
            break
        shop = f"{kind}-{suffix}"
        name = ACCOUNT_NAMES[kind]
        values = credentials[shop]
        account = selectors.channel_accounts(company).filter(name=name).first()
        if account is None:
            # the first company's Coupang key "expires" soon, so the home tile shows in the demo
            expires = timezone.localdate() + timedelta(days=20) if (kind == ChannelKind.COUPANG and suffix == "demo") \
                else None
            services.channel_account_create(company=company, kind=kind, name=name, credentials=values,
                                            base_url=base_url, credentials_expire_on=expires)
            out.append(f"{company.code}: channel account {name} → sandbox shop {shop} at {base_url}")
        elif account.kind == kind and (account.credentials != values or account.base_url != base_url):
            services.channel_account_update(
                account=account, name=account.name, credentials=values, base_url=base_url,
                collect_every_minutes=account.collect_every_minutes, auto_collect=account.auto_collect,
                credentials_expire_on=account.credentials_expire_on, is_active=account.is_active)
            out.append(f"{company.code}: channel account {name} re-pointed to sandbox shop {shop} at {base_url}")
        if kind == ChannelKind.CAFE24:
            account = selectors.channel_accounts(company).get(name=name)
            if not account.token_encrypted:
                _seed_cafe24_tokens(account, shop)
                out.append(f"{company.code}: channel account {name} connected with seeded sandbox tokens (no browser)")
    if not selectors.channel_accounts(company).filter(name=MANUAL_NAME).exists():
        services.channel_account_create(company=company, kind=ChannelKind.MANUAL, name=MANUAL_NAME, credentials={},
                                        auto_collect=False)
        out.append(f"{company.code}: channel account {MANUAL_NAME}")


def _seed_cafe24_tokens(account, shop: str) -> None:
    seed_sandbox_cafe24_tokens(account, shop, sandbox_seed())


def seed_sandbox_cafe24_tokens(account, shop: str, seed: int, *, access_valid: bool = False) -> None:
    """Store a sandbox mall's first token pair on a Cafe24 account (what the OAuth callback would store).
    The access token is marked expired unless `access_valid` (then it is trusted for the sandbox's
    2 hours: a benchmark that kills workers never has to rotate)."""
    from marketdock.channels.connectors.cafe24 import TokenPair
    from marketdock.sandbox.cafe24 import ACCESS_LIFETIME, REFRESH_LIFETIME, seeded_tokens

    from .rotating_tokens import store_pair

    tokens = seeded_tokens(seed, shop)
    now = timezone.now()
    store_pair(account, TokenPair(access_token=tokens["access_token"],
                                  expires_at=now + ACCESS_LIFETIME - timedelta(minutes=10) if access_valid else now,
                                  refresh_token=tokens["refresh_token"], refresh_expires_at=now + REFRESH_LIFETIME))
