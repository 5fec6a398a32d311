"""11st claims test data (issue 17, item 2): raw claim-list responses as 11st sends them (EUC-KR,
with or without the `ns2` namespace declared) and a sandbox 11st account for claim collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from django.utils import timezone

from marketdock.channels.models import ChannelAccount

NS = "http://skt.tmall.business.openapi.spring.service.client.domain/"


def elevenst_claim_xml(records: list[dict[str, str]], *, declare_ns: bool = False, encoding: str = "euc-kr",
                       result_code: str | None = None, result_text: str = "") -> bytes:
    """A claim-list answer: one `ns2:order` per record, or just a result_code/result_text."""
    declare = f' xmlns:ns2="{NS}"' if declare_ns else ""
    inner = "".join("<ns2:order>" + "".join(f"<{k}>{v}</{k}>" for k, v in r.items()) + "</ns2:order>"
                    for r in records)
    if result_code is not None:
        inner += f"<ns2:result_code>{result_code}</ns2:result_code><ns2:result_text>{result_text}</ns2:result_text>"
    text = f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?>\n<ns2:orders{declare}>{inner}</ns2:orders>'
    return text.encode("cp949" if encoding.lower() == "euc-kr" else encoding)


def elevenst_cancel_record(**over: str) -> dict[str, str]:
    return {"ordNo": "202412010001", "ordPrdSeq": "1", "ordPrdCnSeq": "7001", "ordCnQty": "2",
            "ordCnRsnCd": "99", "ordCnDtlsRsn": "단순 변심으로 취소합니다", "createDt": "2024-12-01 10:15:00",
            **over}


def elevenst_return_record(**over: str) -> dict[str, str]:
    return {"ordNo": "202412010002", "ordPrdSeq": "2", "clmReqSeq": "8001", "clmReqQty": "1",
            "clmReqRsnCd": "BROKEN", "clmReqCont": "받아보니 파손되어 있어요", "createDt": "2024-12-02 09:00:00",
            "clmStat": "03", "clmDlvEtprsCd": "00034", "clmInvcNo": "712345678901", **over}


def elevenst_claim_account(company, base: str, code: str = "elevenst-demo") -> ChannelAccount:
    """A channel account of the sandbox 11st shop `code`."""
    info = next(s for s in httpx.get(f"{base}/_sandbox/shops").json()["shops"] if s["code"] == code)
    account = ChannelAccount(company=company, kind="elevenst", name=code, base_url=base, options={},
                             collected_until=timezone.now() - timedelta(days=4))
    account.set_credentials(info["credentials"])
    account.save()
    return account


def elevenst_withdraw(state, code: str, kind: str) -> dict:
    """The buyer withdraws the shop's first open claim of `kind` (철회); the claim as the sandbox holds it."""
    from marketdock.sandbox import claims

    shop = state.shops[code]
    with state.lock:
        claim = next(c for c in shop.claims if c.kind == kind and c.state == "requested")
        claims.withdraw(shop, claim, max(datetime.now(UTC), claim.changed_at))
        return claims.claim_json(claim)
