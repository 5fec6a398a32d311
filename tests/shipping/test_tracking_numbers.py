"""Tracking-number rules: real numbers from the research validate, the mod-7 carriers catch every
single-digit typo, CJ is checked by length only, and the messages say what is wrong in Korean."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketdock.shipping import selectors
from marketdock.shipping.tracking_numbers import (
    NumberRule,
    TrackingNumberError,
    band_number_length,
    compose,
    display,
    is_valid,
    mod7_check_digit,
    normalize,
    s10_check_digit,
    validate,
)

LOTTE = NumberRule("롯데택배", (10, 12, 13), {12: "mod7"})
HANJIN = NumberRule("한진택배", (10, 12), {10: "mod7", 12: "mod7"})
LOGEN = NumberRule("로젠택배", (10, 11), {11: "mod7"})
CJ = NumberRule("CJ대한통운", (10, 12), {}, display_groups={12: (4, 4, 4)})
EPOST = NumberRule("우체국택배", (13,))
EMS = NumberRule("EMS", (), {}, "s10")
MOD7_RULES = [(LOTTE, 12), (HANJIN, 10), (HANJIN, 12), (LOGEN, 11)]


@pytest.mark.parametrize("rule, number", [
    (LOTTE, "317651308380"), (LOTTE, "200016500003"),
    (HANJIN, "510683980391"), (HANJIN, "420329077081"), (HANJIN, "534000964792"), (HANJIN, "1547827315"),
    (LOGEN, "20286005541"), (LOGEN, "92816272404"),
    # CJ numbers that do NOT satisfy mod 7 are real: CJ must not be checked for it
    (CJ, "577417824035"), (CJ, "680405450931"), (CJ, "632976615493"),
    (EPOST, "6892058349240"), (EPOST, "6900004147609"),
])
def test_real_numbers_from_the_research_validate(rule, number):
    assert validate(rule, number) == number


def test_input_is_normalised_before_checking():
    assert validate(CJ, " 6329-7661-5493 ") == "632976615493"
    assert normalize("ee 123.456-785 kr") == "EE123456785KR"


@pytest.mark.parametrize("rule, raw, fragment", [
    (LOTTE, "", "송장번호를 입력하세요"),
    (LOTTE, "31765130838A", "숫자만"),
    (LOTTE, "3176513083", None),  # 10 digits: allowed length without a check digit
    (LOTTE, "31765130838", "10 또는 12 또는 13자리"),
    (LOTTE, "317651308381", "마지막 자리는 0이어야"),
    (EPOST, "689205834924", "13자리"),
    (NumberRule("경동택배", tuple(range(8, 17))), "1234567", "8~16자리"),
])
def test_wrong_numbers_are_refused_with_a_korean_reason(rule, raw, fragment):
    if fragment is None:
        assert validate(rule, raw)
        return
    with pytest.raises(TrackingNumberError) as err:
        validate(rule, raw)
    assert fragment in str(err.value)
    assert rule.carrier_name in str(err.value) or not raw


@given(st.sampled_from(MOD7_RULES), st.data())
def test_every_composed_number_validates(rule_len, data):
    rule, length = rule_len
    serial = data.draw(st.integers(min_value=0, max_value=10 ** (length - 1) - 1))
    number = compose(rule, serial, length - 1)
    assert len(number) == length
    assert number[-1] == str(int(number[:-1]) % 7)
    assert validate(rule, number) == number


@given(st.sampled_from(MOD7_RULES), st.data())
def test_mod7_carriers_catch_any_single_digit_change(rule_len, data):
    """Changing a body digit by d changes the body by d·10^k, a multiple of 7 only when |d| = 7
    (0↔7, 1↔8, 2↔9): that is the one typo mod 7 cannot see. Any other body change, and any change of
    the check digit itself, fails."""
    rule, length = rule_len
    serial = data.draw(st.integers(min_value=0, max_value=10 ** (length - 1) - 1))
    number = compose(rule, serial, length - 1)
    pos = data.draw(st.integers(min_value=0, max_value=length - 1))
    new_digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[pos]]))
    changed = number[:pos] + new_digit + number[pos + 1:]
    if pos < length - 1 and abs(int(new_digit) - int(number[pos])) == 7:
        # a body change of ±7·10^k keeps the body's residue: mod 7 cannot see it (documented limit)
        assert is_valid(rule, changed)
        return
    assert not is_valid(rule, changed)


@given(st.integers(min_value=0, max_value=10 ** 11 - 1))
def test_cj_is_checked_by_length_only(serial):
    number = str(serial).zfill(12)
    assert validate(CJ, number) == number


def test_s10_check_digit_for_ems():
    assert s10_check_digit("12345678") == 5  # EE123456785KR, the UPU example
    assert validate(EMS, "EE123456785KR") == "EE123456785KR"
    with pytest.raises(TrackingNumberError, match="11번째 자리"):
        validate(EMS, "EE123456784KR")
    with pytest.raises(TrackingNumberError, match="형식"):
        validate(EMS, "123456785")


def test_display_groups_cj_four_four_four_and_others_plain():
    assert display(CJ, "632976615493") == "6329-7661-5493"
    assert display(CJ, "6329766154") == "6329766154"
    assert display(LOTTE, "317651308380") == "317651308380"


def test_band_number_length_per_carrier():
    assert band_number_length(LOTTE, 11) == 12  # serial + mod-7 digit
    assert band_number_length(LOTTE, 10) == 10  # 10-digit Lotte numbers carry no enforced check digit
    assert band_number_length(LOTTE, 12) is None  # 12-digit Lotte numbers must end in the check digit
    assert band_number_length(CJ, 12) == 12
    assert band_number_length(CJ, 11) is None
    assert band_number_length(EMS, 8) is None
    assert mod7_check_digit("31765130838") == 0


@pytest.mark.django_db
def test_seeded_carriers_carry_the_rules_and_marketplace_codes():
    lotte = selectors.carrier_by_key("lotte")
    assert lotte.code_for("naver") == "HYUNDAI"
    assert lotte.code_for("coupang") == "HYUNDAI"
    assert selectors.carrier_by_key("logen").code_for("naver") == "KGB"
    assert selectors.carrier_by_channel_code("naver", "KGB").key == "logen"
    assert selectors.carrier_by_channel_code("naver", "CJGLS").name == "CJ대한통운"
    assert selectors.carrier_by_key("cj").code_for("shopify") == "CJ Logistics"
    # an 11st account (kind "elevenst") finds the 11st codes (channel "11st")
    assert selectors.carrier_by_key("cj").code_for("elevenst") == "00034"
    assert selectors.carrier_by_channel_code("elevenst", "00034").key == "cj"
    assert selectors.carrier_keys_by_channel_code("elevenst", {"00002"}) == {"00002": "logen"}
    assert is_valid(lotte.rule, "317651308380") and not is_valid(lotte.rule, "317651308381")
    assert is_valid(selectors.carrier_by_key("cj").rule, "577417824035")
    assert not is_valid(selectors.carrier_by_key("hanjin").rule, "510683980392")
    assert is_valid(selectors.carrier_by_key("logen").rule, "92816272404")
    names = set(selectors.carriers().values_list("name", flat=True))
    assert {"CJ대한통운", "한진택배", "롯데택배", "로젠택배", "우체국택배", "경동택배", "대신택배", "일양로지스",
            "합동택배", "CU 편의점택배", "GS Postbox 편의점택배", "천일택배", "건영택배"} <= names
