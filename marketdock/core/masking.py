"""Personal-data masking for lists (PIPA practice): 홍*동, 010-1234-****."""

from .validators import format_phone


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    formatted = format_phone(phone)
    if not formatted:
        return ""
    parts = formatted.split("-")
    if len(parts) == 3:
        return f"{parts[0]}-{parts[1]}-" + "*" * len(parts[2])
    return formatted[:-4] + "****" if len(formatted) > 4 else "****"


def mask_email(email: str) -> str:
    if not email or "@" not in email:
        return email or ""
    local, domain = email.split("@", 1)
    return (local[:2] + "*" * max(len(local) - 2, 1)) + "@" + domain
