"""11st claims (취소 / 반품 / 교환, research §5.3), mixed into ElevenstConnector.

Lists (all `GET /rest/claimservice/{list}/{startTime}/{endTime}`, times `YYYYMMDDhhmm` KST, at most a
week per call, XML/EUC-KR read by the order parser's rules, result_code 0 = nothing, -1000 = Friday
maintenance → retry later):

    cancelorders 취소신청 · canceledorders 취소완료 · withdrawcanceledorders 취소철회
    returnorders 반품신청 · returnedorders 반품완료 · retractretorders 반품철회
    exchangeorders 교환신청 · exchangedorders 교환완료 · retractexcorders 교환철회

The list a record came from gives its kind and its progress (STATUS_TABLE); within the open return /
exchange lists the record's `clmStat` refines it (보류, 수거중, 수거완료, 재배송). A claim the seller
rejected is in none of the lists (11st publishes no rejected list): its end is the decision itself.

Claim ids: a cancel is `cn{ordPrdCnSeq}:{ordNo}-{ordPrdSeq}`, a return or exchange
`clm{clmReqSeq}:{ordNo}-{ordPrdSeq}` — the keys the decision calls take back.

Decisions (GET with path parameters, never retried blindly; each answers result_code/result_text in a
`ResultOrder`, 0 = done, anything else is 11st's refusal, kept as its words):

    cancel approve    cancelreqconf/{ordPrdCnSeq}/{ordNo}/{ordPrdSeq}
    cancel reject     cancelreqreject/{ordNo}/{ordPrdSeq}/{ordPrdCnSeq}/{rsnCd}/{rsn}        [UNCONFIRMED params]
    return approve    returnreqconf/{clmReqSeq}/{ordNo}/{ordPrdSeq}
    return reject     returnreqreject/{ordNo}/{ordPrdSeq}/{clmReqSeq}/{refsRsnCd}/{refsRsn}
    return hold       returnclaimdefer/{ordNo}/{ordPrdSeq}/{clmReqSeq}/{rsnCd}/{rsn}         [UNCONFIRMED params]
    exchange approve  exchangereqconf/{clmReqSeq}/{ordNo}/{ordPrdSeq}/{dlvEtprsCd}/{invcNo}
                      (the approval carries the replacement's carrier and invoice: our RESHIP, or
                      APPROVE with a carrier and tracking number)
    exchange reject   exchangereqreject/{ordNo}/{ordPrdSeq}/{clmReqSeq}/{refsRsnCd}/{refsRsn} [UNCONFIRMED params]
    seller cancel     reqrejectorder/{ordNo}/{ordPrdSeq}/{ordCnRsnCd}/{ordCnDtlsRsn}         (§5.2, 판매불가)

Not offered by 11st's published API and refused per item: releasing a hold, holding a cancel or an
exchange, approving an exchange without the replacement's invoice.

Field names confirmed only as path parameters of the calls above: ordNo, ordPrdSeq, ordPrdCnSeq,
clmReqSeq, refsRsnCd/refsRsn, ordCnRsnCd/ordCnDtlsRsn, dlvEtprsCd/invcNo. Every record field beyond
ordNo/ordPrdSeq — the claim sequence inside the record, ordCnQty / clmReqQty (quantity),
ordCnRsnCd / ordCnDtlsRsn / clmReqRsn / clmReqCont (reason code / text), createDt / clmReqDt (request
time), clmStat (its codes below), clmDlvEtprsCd / clmInvcNo (pickup) — and the decision calls marked
above are [UNCONFIRMED] / [3RD]: no official record sample of these lists was found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import quote

from pydantic import ValidationError

from . import values as v
from .base import decode_cursor, encode_cursor
from .cs_models import (
    ChannelClaim,
    ClaimAction,
    ClaimDecision,
    ClaimDecisionResult,
    ClaimKind,
    ClaimPage,
    ClaimProgress,
    ClaimRequester,
)
from .errors import BusinessError, MalformedPayload
from .models import FetchWindow, LineFailure, Marketplace, RecordError

MP = Marketplace.ELEVENST.value
TIME_FORMAT = "%Y%m%d%H%M"

# claim list → (kind, the progress every record of it has unless clmStat says more)
CLAIM_LISTS: dict[str, tuple[ClaimKind, ClaimProgress]] = {
    "cancelorders": (ClaimKind.CANCEL, ClaimProgress.REQUESTED),  # 취소신청
    "canceledorders": (ClaimKind.CANCEL, ClaimProgress.COMPLETED),  # 취소완료
    "withdrawcanceledorders": (ClaimKind.CANCEL, ClaimProgress.WITHDRAWN),  # 취소철회
    "returnorders": (ClaimKind.RETURN, ClaimProgress.REQUESTED),  # 반품신청
    "returnedorders": (ClaimKind.RETURN, ClaimProgress.COMPLETED),  # 반품완료
    "retractretorders": (ClaimKind.RETURN, ClaimProgress.WITHDRAWN),  # 반품철회
    "exchangeorders": (ClaimKind.EXCHANGE, ClaimProgress.REQUESTED),  # 교환신청
    "exchangedorders": (ClaimKind.EXCHANGE, ClaimProgress.COMPLETED),  # 교환완료
    "retractexcorders": (ClaimKind.EXCHANGE, ClaimProgress.WITHDRAWN),  # 교환철회
}
ALL_CLAIM_LISTS = tuple(CLAIM_LISTS)
# THE status table: (list, clmStat) → progress. clmStat and its codes are [UNCONFIRMED] (the
# sandbox's own); "" = the record carries none, the list decides.
STATUS_TABLE: dict[tuple[str, str], ClaimProgress] = {
    **{(name, ""): progress for name, (_kind, progress) in CLAIM_LISTS.items()},
    **{(name, code): progress for name in ("returnorders", "exchangeorders") for code, progress in (
        ("01", ClaimProgress.REQUESTED),  # 신청
        ("02", ClaimProgress.HELD),  # 보류
        ("03", ClaimProgress.COLLECTING),  # 수거중
        ("04", ClaimProgress.COLLECTED),  # 수거완료
    )},
    ("exchangeorders", "05"): ClaimProgress.RESHIPPED,  # 교환 재배송
}
RAW_STATUS = {"cancelorders": "취소신청", "canceledorders": "취소완료", "withdrawcanceledorders": "취소철회",
              "returnorders": "반품신청", "returnedorders": "반품완료", "retractretorders": "반품철회",
              "exchangeorders": "교환신청", "exchangedorders": "교환완료", "retractexcorders": "교환철회"}
DEFAULT_REASON_CODE = "99"  # 기타 [UNCONFIRMED: 11st's reject / hold reason code table was not found]
SELLER_CANCEL_REASON = "06"  # 판매불가(품절) [UNCONFIRMED code; the call is §5.2's reqrejectorder]


# The claim capability notes: (operation, done by the connector, path confirmed by §5.3/§5.2, how).
# Record fields are [UNCONFIRMED] everywhere (see the module docstring); rows with confirmed=False say why.
CLAIM_CAPABILITY_NOTES: tuple[tuple[str, bool, bool, str], ...] = (
    ("취소·반품·교환 목록 9종", True, True, "GET /claimservice/{목록}/{시작}/{끝} (7일 이내) — 레코드 필드는 "
     "ordNo·ordPrdSeq·ordPrdCnSeq·clmReqSeq 외 UNCONFIRMED [3RD]"),
    ("취소승인", True, True, "cancelreqconf/{ordPrdCnSeq}/{ordNo}/{ordPrdSeq}"),
    ("취소거부", True, False, "cancelreqreject/{ordNo}/{ordPrdSeq}/{ordPrdCnSeq}/{사유코드}/{사유} — UNCONFIRMED: 경로 인자"),
    ("반품승인", True, True, "returnreqconf/{clmReqSeq}/{ordNo}/{ordPrdSeq}"),
    ("반품거부", True, True, "returnreqreject/{ordNo}/{ordPrdSeq}/{clmReqSeq}/{refsRsnCd}/{refsRsn}"),
    ("반품보류", True, False, "returnclaimdefer/{ordNo}/{ordPrdSeq}/{clmReqSeq}/{사유코드}/{사유} — UNCONFIRMED: 경로 인자"),
    ("교환승인(재배송)", True, True, "exchangereqconf/{clmReqSeq}/{ordNo}/{ordPrdSeq}/{dlvEtprsCd}/{invcNo}"),
    ("교환거부", True, False, "exchangereqreject/{ordNo}/{ordPrdSeq}/{clmReqSeq}/{사유코드}/{사유} — UNCONFIRMED: 경로 인자"),
    ("판매불가(판매자 취소)", True, False, "reqrejectorder/{ordNo}/{ordPrdSeq}/{ordCnRsnCd}/{ordCnDtlsRsn} — "
     "UNCONFIRMED: 사유 코드표"),
    ("보류 해제·교환 보류·취소 보류", False, False, "UNCONFIRMED: 11번가 API가 확인되지 않아 건별로 거절합니다"),
)


def claim_id(kind: ClaimKind, seq: str, order_no: str, line_seq: str) -> str:
    prefix = "cn" if kind == ClaimKind.CANCEL else "clm"
    return f"{prefix}{seq}:{order_no}-{line_seq}"


def split_claim_id(value: str) -> tuple[str, str, str]:
    """`cn12:2024…-1` → ("12", ordNo, ordPrdSeq); ValueError when it is not one of ours."""
    head, _, line = value.partition(":")
    seq = head.removeprefix("clm") if head.startswith("clm") else head.removeprefix("cn")
    order_no, _, line_seq = line.partition("-")
    if not (seq.isdigit() and order_no.isdigit() and line_seq.isdigit()):
        raise ValueError(value)
    return seq, order_no, line_seq


def parse_claim(fields: Mapping[str, str], list_name: str, prefix: str = "order") -> ChannelClaim:
    """One record of a claim list (as {local name: text}) → one claim. Raises MalformedPayload."""
    kind, _progress = CLAIM_LISTS[list_name]

    def txt(*names: str, required: bool = False) -> str:
        value = next((fields[n].strip() for n in names if (fields.get(n) or "").strip().lower() not in ("", "null")),
                     "")
        if required and not value:
            raise MalformedPayload(v.field_path(prefix, names[0]), "값이 없습니다", marketplace=MP)
        return value

    def when(*names: str, required: bool = False) -> datetime | None:
        return v.timestamp(txt(*names) or None, v.field_path(prefix, names[0]), marketplace=MP, required=required)

    order_no, line_seq = txt("ordNo", required=True), txt("ordPrdSeq", required=True)
    seq_name = "ordPrdCnSeq" if kind == ClaimKind.CANCEL else "clmReqSeq"
    seq = txt(seq_name, required=True)
    for name, value in (("ordNo", order_no), ("ordPrdSeq", line_seq), (seq_name, seq)):
        if not value.isdigit():
            raise MalformedPayload(v.field_path(prefix, name), "숫자가 아닙니다", marketplace=MP, value=value)
    stat = txt("clmStat")
    progress = STATUS_TABLE.get((list_name, stat)) or STATUS_TABLE.get((list_name, ""))
    if stat and (list_name, stat) not in STATUS_TABLE and list_name in ("returnorders", "exchangeorders"):
        raise MalformedPayload(v.field_path(prefix, "clmStat"), "알 수 없는 클레임 상태입니다", marketplace=MP, value=stat)
    quantity_name = "ordCnQty" if kind == ClaimKind.CANCEL else "clmReqQty"
    quantity = v.integer(txt(quantity_name, "ordQty") or "1", v.field_path(prefix, quantity_name), marketplace=MP)
    if quantity < 1:
        raise MalformedPayload(v.field_path(prefix, quantity_name), "1 이상이어야 합니다", marketplace=MP, value=quantity)
    requested = when("createDt", "clmReqDt", "reqDt", required=True)
    done = progress in (ClaimProgress.COMPLETED, ClaimProgress.WITHDRAWN)
    seller = txt("clmReqTypCd", "reqTyp") in ("SELLER", "02")  # [UNCONFIRMED] who asked
    return ChannelClaim(
        marketplace=Marketplace.ELEVENST, claim_id=claim_id(kind, seq, order_no, line_seq), kind=kind,
        order_id=order_no, order_line_id=f"{order_no}-{line_seq}", quantity=quantity, progress=progress,
        raw_status=f"{RAW_STATUS[list_name]}{':' + stat if stat else ''}",
        requester=ClaimRequester.SELLER if seller else ClaimRequester.BUYER,
        reason_code=txt("ordCnRsnCd", "clmReqRsnCd", "clmReqRsn"),
        reason_text=txt("ordCnDtlsRsn", "clmReqCont", "clmReqRsnNm"),
        requested_at=requested, completed_at=(when("clmCmplDt", "updateDt") or requested) if done else None,
        collect_carrier_code=txt("clmDlvEtprsCd"), collect_tracking_number=txt("clmInvcNo"),
        exchange_option_text=txt("exchOptNm") if kind == ClaimKind.EXCHANGE else "",
        raw=dict(fields))


def parse_claim_list(root, list_name: str) -> tuple[list[ChannelClaim], list[RecordError]]:
    """Every record of one claim-list response (any element holding an `ordNo` child, namespace and
    record name agnostic); a broken one becomes a RecordError, the rest go on."""
    from .elevenst import _clean, local, raise_for_result, result_of

    raise_for_result(result_of(root))
    claims: list[ChannelClaim] = []
    errors: list[RecordError] = []
    records = [el for el in root.iter() if isinstance(el.tag, str)
               and any(isinstance(c.tag, str) and local(c.tag) == "ordNo" for c in el)]
    for index, element in enumerate(records):
        fields = {local(c.tag): _clean(c.text or "") for c in element if isinstance(c.tag, str)}
        line = f"{fields.get('ordNo', '')}-{fields.get('ordPrdSeq', '')}".strip("-")
        path = f"{list_name}.{local(element.tag)}[{index}]"
        try:
            claims.append(parse_claim(fields, list_name, path))
        except MalformedPayload as exc:
            errors.append(RecordError(order_id=fields.get("ordNo", ""), order_line_id=line, field=exc.field,
                                      message=str(exc), raw=dict(fields)))
        except ValidationError as exc:
            first = exc.errors()[0]
            errors.append(RecordError(order_id=fields.get("ordNo", ""), order_line_id=line,
                                      field=f"{path}." + ".".join(str(p) for p in first["loc"]),
                                      message=first["msg"], raw=dict(fields)))
    return claims, errors


def _segment(value: str) -> str:
    return quote(value.replace("/", " ").strip() or "-", safe="")


class ElevenstClaims:
    """fetch_claims / decide_claims for ElevenstConnector (self._get, self._write and window_slices
    come from it)."""

    claim_sources: tuple[str, ...] = ALL_CLAIM_LISTS

    def fetch_claims(self, window: FetchWindow, cursor: str | None = None) -> ClaimPage:
        """Each claim list over every ≤ 7-day slice of the window; one call per page."""
        from .elevenst import window_slices

        slices = window_slices(window)
        state = decode_cursor(cursor, MP) or {"i": 0, "s": 0}
        index, piece = int(state["i"]), int(state["s"])
        sources = self.claim_sources
        if not slices or index >= len(sources) or piece >= len(slices):
            return ClaimPage()
        name = sources[index]
        start, end = slices[piece]
        root = self._get(f"/claimservice/{name}/{start.strftime(TIME_FORMAT)}/{end.strftime(TIME_FORMAT)}")
        claims, errors = parse_claim_list(root, name)
        if piece + 1 < len(slices):
            following: dict[str, int] | None = {"i": index, "s": piece + 1}
        elif index + 1 < len(sources):
            following = {"i": index + 1, "s": 0}
        else:
            following = None
        return ClaimPage(claims=claims, errors=errors, has_more=following is not None,
                         next_cursor=encode_cursor(following) if following else None)

    def _decision_path(self, item: ClaimDecision) -> str:
        """The call for one decision; BusinessError (code UNSUPPORTED / INVALID_ITEM / BAD_ID) when 11st
        has none or the decision lacks what it needs."""
        from .elevenst import split_line_id

        kind, action = item.kind, item.action
        reason_code = item.reason_code if item.reason_code.isdigit() else DEFAULT_REASON_CODE
        reason = item.memo or item.reason_code or "판매자 사유"
        if action == ClaimAction.SELLER_CANCEL:
            order_no, line_seq = split_line_id(item.order_line_id)
            code = item.reason_code if item.reason_code.isdigit() else SELLER_CANCEL_REASON
            return (f"/claimservice/reqrejectorder/{order_no}/{line_seq}/{_segment(code)}/"
                    f"{_segment(item.memo or '판매불가(품절)')}")
        try:
            seq, order_no, line_seq = split_claim_id(item.claim_id)
        except ValueError:
            raise BusinessError(f"11번가 클레임 번호 형식이 아닙니다: {item.claim_id!r}", marketplace=MP,
                                code="BAD_ID") from None
        keys = f"{order_no}/{line_seq}/{seq}"
        if kind == ClaimKind.CANCEL and action == ClaimAction.APPROVE:
            return f"/claimservice/cancelreqconf/{seq}/{order_no}/{line_seq}"
        if kind == ClaimKind.CANCEL and action == ClaimAction.REJECT:
            return f"/claimservice/cancelreqreject/{keys}/{_segment(reason_code)}/{_segment(reason)}"
        if kind == ClaimKind.RETURN and action == ClaimAction.APPROVE:
            return f"/claimservice/returnreqconf/{seq}/{order_no}/{line_seq}"
        if kind == ClaimKind.RETURN and action == ClaimAction.REJECT:
            return f"/claimservice/returnreqreject/{keys}/{_segment(reason_code)}/{_segment(reason)}"
        if kind == ClaimKind.RETURN and action == ClaimAction.HOLD:
            return f"/claimservice/returnclaimdefer/{keys}/{_segment(reason_code)}/{_segment(reason)}"
        if kind == ClaimKind.EXCHANGE and action == ClaimAction.REJECT:
            return f"/claimservice/exchangereqreject/{keys}/{_segment(reason_code)}/{_segment(reason)}"
        if kind == ClaimKind.EXCHANGE and action in (ClaimAction.APPROVE, ClaimAction.RESHIP):
            if not (item.marketplace_carrier_code and item.tracking_number):
                raise BusinessError("11번가 교환승인은 재배송 택배사 코드와 송장번호를 함께 보냅니다: 재배송으로 처리하세요",
                                    marketplace=MP, code="INVALID_ITEM")
            return (f"/claimservice/exchangereqconf/{seq}/{order_no}/{line_seq}/"
                    f"{_segment(item.marketplace_carrier_code)}/{_segment(item.tracking_number)}")
        raise BusinessError(f"11번가는 이 처리를 API로 받지 않습니다 ({kind.value}/{action.value}); "
                            f"11번가 셀러오피스에서 처리하세요", marketplace=MP, code="UNSUPPORTED")

    def decide_claims(self, items: Sequence[ClaimDecision]) -> ClaimDecisionResult:
        """One call per decision; 11st's result_code/result_text is each item's answer."""
        result = ClaimDecisionResult()
        for item in items:
            try:
                answer = self._write(self._decision_path(item))
            except BusinessError as exc:  # this decision refused (or not possible here); the others go on
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=exc.code or "",
                                                 message=exc.message))
                continue
            if answer.code in ("", "0"):
                result.done.append(item.order_line_id)
            else:
                result.failed.append(LineFailure(order_line_id=item.order_line_id, code=answer.code,
                                                 message=answer.text or f"11번가 오류 {answer.code}",
                                                 retryable=answer.code in ("-1000", "-3311")))
        return result
