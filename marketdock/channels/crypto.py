"""Marketplace credentials at rest: Fernet with the key(s) from settings.FERNET_KEYS (MultiFernet,
so keys rotate: the first encrypts, all decrypt). Plaintext never reaches logs or templates."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in settings.FERNET_KEYS])


def encrypt_credentials(values: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(values, ensure_ascii=False).encode()).decode()


def decrypt_credentials(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("stored credentials cannot be decrypted with the configured MARKETDOCK_FERNET_KEY") from exc


def mask_secret(value: str) -> str:
    """For display: the last 4 characters only."""
    value = str(value or "")
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * min(len(value) - 4, 12) + value[-4:]
