"""Inquiry connectors read the published samples and report refusals with the marketplace's words."""

from __future__ import annotations

import httpx

from marketdock.channels.connectors.coupang.inquiries import parse_inquiry_list
from marketdock.channels.connectors.cs_models import InquiryAnswer, InquiryKind
from marketdock.channels.connectors.naver.inquiries import parse_page
from tests.factories.channels import coupang_conn, naver_conn, sample


def test_coupang_product_inquiries_sample_answered_state_and_orders():
    found, errors, pages = parse_inquiry_list(
        sample("coupang/customer-service__lookup-customer-inquiry-by-product.response.json"), InquiryKind.PRODUCT)
    assert not errors and pages == 1
    by_id = {i.inquiry_id: i for i in found}
    assert by_id["844"].answered and by_id["844"].answer_text == "just do it9.29"  # the latest comment
    assert by_id["848"].order_id == "16000009476673"
    assert not by_id["852"].answered and by_id["852"].answer_text == ""
    assert by_id["852"].asked_at.isoformat() == "2015-05-18T08:37:39+00:00"  # KST read as KST


def test_coupang_callcenter_sample_question_is_the_counsellors_message():
    found, errors, _pages = parse_inquiry_list(
        sample("coupang/customer-service__lookup-coupang-call-center-inquiry.response.json"), InquiryKind.CALLCENTER)
    assert not errors
    first = found[0]
    assert first.kind == InquiryKind.CALLCENTER and first.order_id == "10000011255416"
    assert first.body.startswith("[판매자이관]")
    assert first.answered and first.answer_id == "1027083739" and "입고 된것으로" in first.answer_text


def test_a_broken_record_is_reported_and_the_rest_are_read():
    payload = {"contents": [{"questionId": 1, "createDate": "2024-05-01T10:00:00.000+09:00", "question": "재입고?",
                             "answered": False},
                            {"questionId": 2, "createDate": "어제", "question": "?"}], "last": True}
    found, errors = parse_page(payload, InquiryKind.PRODUCT)
    assert [i.inquiry_id for i in found] == ["1"]
    assert errors[0].order_id == "2" and "createDate" in errors[0].field


def test_naver_refusals_carry_the_published_error_codes():
    unknown = sample("naver/pay-merchant-inquiry-answer.error.ERR-NC-101004.example.json")
    failed = sample("naver/pay-merchant-inquiry-answer.error.ERR-NC-101006.example.json")

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=unknown if "/123456789/" in request.url.path else failed)

    conn, recorder = naver_conn(answer)
    result = conn.answer_inquiries([InquiryAnswer(inquiry_id="123456789", kind=InquiryKind.ORDER, text="답변"),
                                    InquiryAnswer(inquiry_id="55", kind=InquiryKind.ORDER, text="답변")])
    assert result.done == []
    codes = {f.order_line_id: (f.code, f.message) for f in result.failed}
    assert codes["123456789"][0] == "ERR-NC-101004" and "문의 번호 123456789" in codes["123456789"][1]
    assert codes["55"][0] == "ERR-NC-101006"
    assert recorder.bodies("/answer") == [{"answerComment": "답변"}, {"answerComment": "답변"}]


def test_coupang_refuses_an_edit_without_calling():
    conn, recorder = coupang_conn(lambda request: httpx.Response(500))
    result = conn.answer_inquiries([InquiryAnswer(inquiry_id="9", kind=InquiryKind.PRODUCT, text="수정",
                                                  answer_id="77")])
    assert result.failed[0].code == "EDIT_UNSUPPORTED" and recorder.requests == []
    assert conn.capabilities.inquiries and not conn.capabilities.answer_edit


ELEVENST_QNA = ('<?xml version="1.0" encoding="euc-kr" standalone="yes"?>\n<ns2:productQnas><ns2:productQna>'
                "<ns2:answerYn>N</ns2:answerYn><ns2:brdInfoClfNo>13749310594</ns2:brdInfoClfNo>"
                "<ns2:brdInfoCont>배송은 언제 시작하나요?</ns2:brdInfoCont><ns2:brdInfoNo>81234567</ns2:brdInfoNo>"
                "<ns2:brdInfoSbjct>배송 문의</ns2:brdInfoSbjct><ns2:createDt>2026-09-08 10:15:30</ns2:createDt>"
                "<ns2:memNM>고객A</ns2:memNM><ns2:prdNm>테스트 상품</ns2:prdNm><ns2:qnaDtlsCdNm>배송</ns2:qnaDtlsCdNm>"
                "<ns2:ordNoDe>202609080001</ns2:ordNoDe></ns2:productQna></ns2:productQnas>")


def test_elevenst_qna_decodes_euc_kr_without_a_namespace_declaration_and_answers_with_both_numbers():
    from marketdock.channels.connectors.elevenst import ElevenstConnector, ElevenstCredentials, parse_xml
    from marketdock.channels.connectors.elevenst_qna import parse_qna_list
    from tests.factories.channels import Recorder, mock_options

    found, errors = parse_qna_list(parse_xml(ELEVENST_QNA.encode("cp949")))
    assert not errors
    qna = found[0]
    assert (qna.inquiry_id, qna.body, qna.order_id, qna.buyer_name) == (
        "81234567-13749310594", "배송은 언제 시작하나요?", "202609080001", "고객A")
    assert qna.asked_at.isoformat() == "2026-09-08T01:15:30+00:00" and not qna.answered

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<ClientMessage><resultCode>200</resultCode><message>ok</message>"
                                           b"</ClientMessage>")

    recorder = Recorder(answer)
    conn = ElevenstConnector(ElevenstCredentials(openapikey="k"), base_url="https://api.test",
                             options=mock_options(recorder))
    result = conn.answer_inquiries([InquiryAnswer(inquiry_id="81234567-13749310594", kind=InquiryKind.PRODUCT,
                                                  text="확인 & <출고>")])
    assert result.done == ["81234567-13749310594"]
    request = recorder.requests[0]
    assert request.method == "PUT" and request.url.path == "/rest/prodqnaservices/prodqnaanswer/81234567/13749310594"
    assert request.content.decode() == "<ProductQna><answerCont>확인 &amp; &lt;출고&gt;</answerCont></ProductQna>"


def test_cafe24_finds_the_qna_board_by_name_and_refuses_a_mall_without_one():
    from marketdock.channels.connectors.cafe24.inquiries import find_qna_board, parse_article
    from marketdock.channels.connectors.errors import BusinessError

    boards = [{"board_no": 1, "board_name": "공지사항"}, {"board_no": 4, "board_name": "상품 Q&A"},
              {"board_no": 5, "board_name": "자유게시판"}]
    assert find_qna_board(boards) == "4"
    try:
        find_qna_board(boards[:1])
    except BusinessError as exc:
        assert "상품 Q&A 게시판을 찾지 못했습니다" in exc.message
    else:
        raise AssertionError("a mall without a Q&A board must be refused")
    article = {"article_no": 12, "title": "재입고", "content": "언제 들어오나요?", "writer": "김**",
               "created_date": "2026-12-06T10:00:00+09:00", "product_no": 31, "order_id": None}
    open_one = parse_article("4", article, [])
    assert (open_one.inquiry_id, open_one.answered, open_one.order_id) == ("4-12", False, "")
    answered = parse_article("4", article, [{"comment_no": 9, "content": "다음 주 입고", "created_date":
                                             "2026-12-06T11:00:00+09:00"}])
    assert answered.answered and answered.answer_id == "9" and answered.answer_text == "다음 주 입고"
