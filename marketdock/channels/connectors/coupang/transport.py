"""Coupang WING Open API — one signed call, HTTP errors mapped to connector errors, the response
envelope and the per-shipment-box batch answer (발주확인 and 송장 업로드 answer the same way)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from .. import values as v
from ..base import (
    Connector,
    response_json,
)
from ..errors import AuthError, BusinessError, MalformedPayload, TemporaryError
from ..http import unparsed_body
from ..models import (
    LineFailure,
)
from .auth import MP, authorization, signed_date

API_PREFIX = "/v2/providers/openapi/apis/api/v4/vendors"


def envelope(payload: Any) -> Any:
    if not isinstance(payload, Mapping) or "data" not in payload:
        raise MalformedPayload("data", "응답에 data가 없습니다", marketplace=MP)
    code = str(payload.get("code", "200"))
    if code != "200":
        raise BusinessError(str(payload.get("message") or code), marketplace=MP, code=code)
    return payload["data"]


class CoupangTransport(Connector):
    """The signed call (mixed into CoupangConnector, which holds the credentials and the client)."""

    def _sign(self, method: str, path: str, query: str) -> dict[str, str]:
        creds = self.credentials
        return {"Authorization": authorization(creds.access_key, creds.secret_key, method, path, query,
                                               signed_date(self.clock()))}

    def _call(self, method: str, path: str, *, params: Sequence[tuple[str, str]] = (), json: Any = None,
              idempotent: bool = True) -> Any:
        query = urlencode(list(params), quote_via=quote, safe=":")
        response = self.api.send(method, path, query=query, json=json, sign=self._sign, idempotent=idempotent)
        if response.status_code >= 400:
            _raise_for(response)
        return response_json(response, MP)


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    code, message = "", unparsed_body(response)
    try:
        body = response.json()
        if isinstance(body, Mapping):
            code = str(body.get("code") or "")
            message = str(body.get("message") or body.get("errorMessage") or message)
    except ValueError:
        if "Access Denied" in response.text:
            message = "Access Denied (쿠팡이 일시적으로 요청을 차단했습니다; 잠시 후 다시 시도하세요)"
    if status in (401, 403):
        hint = " — WING에 등록된 IP인지 확인하세요" if "ip" in message.lower() else ""
        raise AuthError(message + hint, marketplace=MP, code=code, status=status)
    if status >= 500:
        raise TemporaryError(f"HTTP {status}: {message}", marketplace=MP, status=status)
    raise BusinessError(message, marketplace=MP, code=code, status=status)


def box_results(payload: Any, lines_by_box: Mapping[str, list[str]]) -> tuple[list[str], list[LineFailure]]:
    """A batch answer (data.responseList per shipmentBoxId) → per-line outcome."""
    data = envelope(payload)
    answers = data.get("responseList") if isinstance(data, Mapping) else None
    if not isinstance(answers, list):
        raise MalformedPayload("data.responseList", "목록이 아닙니다", marketplace=MP, value=answers)
    ok: list[str] = []
    failed: list[LineFailure] = []
    answered: set[str] = set()
    for i, answer in enumerate(answers):
        box = v.text(answer.get("shipmentBoxId"), f"data.responseList[{i}].shipmentBoxId", marketplace=MP,
                     required=True)
        if box not in lines_by_box:
            continue
        answered.add(box)
        for line in lines_by_box[box]:
            if answer.get("succeed") is True:
                ok.append(line)
            else:
                failed.append(LineFailure(order_line_id=line, code=str(answer.get("resultCode") or ""),
                                          message=str(answer.get("resultMessage") or ""),
                                          retryable=bool(answer.get("retryRequired"))))
    for box, lines in lines_by_box.items():
        if box not in answered:
            failed.extend(LineFailure(order_line_id=line, code="NO_ANSWER", message="응답에 결과가 없습니다",
                                      retryable=True) for line in lines)
    return ok, failed
