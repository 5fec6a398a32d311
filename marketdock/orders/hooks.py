"""What orders asks of higher apps, registered from their `ready()` (never an upward import).

`carrier_keys_for(channel, codes)`: the marketplace's carrier codes or names (Naver `CJGLS`, Coupang
`CJ 대한통운`, Shopify free text) → the OMS carrier key, for orders the marketplace reports as already
dispatched. The shipping app registers the resolver over its carrier master::

    from marketdock.orders.hooks import register_carrier_resolver
    register_carrier_resolver(resolve)   # resolve(channel: str, codes: set[str]) -> dict[str, str]

Codes nobody can resolve map to "" (the tracking number is kept; the carrier is shown as unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Resolver = Callable[[str, set[str]], dict[str, str]]
_resolvers: list[Resolver] = []


def register_carrier_resolver(fn: Resolver) -> Resolver:
    """Register `fn(channel, codes) -> {code: carrier key}`; registering twice is a no-op."""
    if fn not in _resolvers:
        _resolvers.append(fn)
    return fn


def carrier_keys_for(channel: str, codes: Iterable[str]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    found: dict[str, str] = {}
    for resolver in list(_resolvers):
        if not wanted - set(found):
            break
        for code, key in resolver(channel, wanted - set(found)).items():
            if key:
                found[code] = key
    return {code: found.get(code, "") for code in wanted}
