"""공통코드관리 (SYS-10): code groups, inline (htmx) code editing, the code_choices selector that
later screens use, system groups, uniqueness errors, permissions and isolation."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdock.core.models import CommonCode, CommonCodeGroup
from marketdock.core.selectors import code_choices
from marketdock.core.services_codes import code_create, code_group_create, code_group_delete, code_update
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _group(company, code="BRAND"):
    return CommonCodeGroup.objects.get(company=company, code=code)


class TestCodeChoices:
    def test_choices_in_sort_order_active_only_and_per_company(self, company, other_company):
        brand = _group(company)
        code_create(group=brand, code="NK", name="나이키", sort_order=20)
        code_create(group=brand, code="AD", name="아디다스", sort_order=10)
        old = code_create(group=brand, code="OLD", name="단종브랜드", sort_order=5)
        code_update(code=old, new_code="OLD", name="단종브랜드", sort_order=5, is_active=False)
        code_create(group=_group(other_company), code="ZZ", name="남의 브랜드")
        code_create(group=_group(company, "SEASON"), code="26SS", name="26 봄여름")

        assert code_choices(company, "BRAND") == [("AD", "아디다스"), ("NK", "나이키")]
        assert code_choices(company, "BRAND", active_only=False)[0] == ("OLD", "단종브랜드")
        assert code_choices(other_company, "BRAND") == [("ZZ", "남의 브랜드")]
        assert code_choices(company, "NOPE") == []

    def test_new_codes_get_the_next_sort_order(self, company):
        brand = _group(company)
        a = code_create(group=brand, code="A", name="에이")
        b = code_create(group=brand, code="B", name="비")
        assert b.sort_order > a.sort_order

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(codes=st.lists(st.sampled_from(["A", "B", "C", "a", "A "]), min_size=1, max_size=8))
    def test_codes_stay_unique_per_group_whatever_is_entered(self, company, codes):
        n = CommonCodeGroup.objects.filter(company=company).count()
        brand = code_group_create(company=company, code=f"G{n}", name=f"그룹{n}")  # a fresh group per example
        accepted = set()
        for value in codes:
            try:
                code_create(group=brand, code=value, name="x")
                assert value.strip() not in accepted
                accepted.add(value.strip())
            except ValidationError as exc:
                assert value.strip() in accepted
                assert "이미 있습니다" in exc.message_dict["code"][0]
        assert sorted(brand.codes.values_list("code", flat=True)) == sorted(accepted)


class TestGroups:
    def test_list_shows_system_groups_with_counts(self, viewer_client, company):
        code_create(group=_group(company), code="NK", name="나이키")
        r = viewer_client.get(reverse("core:code_groups"))
        body = r.content.decode()
        assert r.status_code == 200
        for code in ("BRAND", "SEASON", "SUPPLIER"):
            assert f'data-group="{code}"' in body
        assert 'data-testid="codegroup-new"' not in body

    def test_create_edit_and_delete_a_group(self, admin_client, company):
        r = admin_client.post(reverse("core:code_group_create"), {"code": "color", "name": "색상", "description": ""})
        group = CommonCodeGroup.objects.get(company=company, code="COLOR")
        assert r.status_code == 302 and r["Location"] == reverse("core:code_group_detail", args=[group.pk])

        r = admin_client.post(reverse("core:code_group_edit", args=[group.pk]),
                              {"code": "COLOUR", "name": "컬러", "description": "옵션 색상"})
        group.refresh_from_db()
        assert r.status_code == 302 and (group.code, group.name, group.description) == ("COLOUR", "컬러", "옵션 색상")

        code_create(group=group, code="RD", name="빨강")
        r = admin_client.post(reverse("core:code_group_delete", args=[group.pk]))
        assert r.status_code == 302
        assert not CommonCodeGroup.objects.filter(pk=group.pk).exists()
        assert not CommonCode.objects.filter(code="RD").exists()

    def test_duplicate_or_malformed_group_code_is_a_clear_error(self, admin_client, company):
        r = admin_client.post(reverse("core:code_group_create"), {"code": "BRAND", "name": "브랜드2"})
        assert r.status_code == 200 and "그룹코드 &#x27;BRAND&#x27;은(는) 이미 있습니다." in r.content.decode()
        r = admin_client.post(reverse("core:code_group_create"), {"code": "색상!", "name": "색상"})
        assert r.status_code == 200 and "영문 대문자, 숫자, _ 만" in r.content.decode()
        assert CommonCodeGroup.objects.filter(company=company).count() == 3

    def test_system_groups_cannot_be_deleted_or_recoded(self, admin_client, company):
        brand = _group(company)
        r = admin_client.post(reverse("core:code_group_delete", args=[brand.pk]), follow=True)
        assert "삭제할 수 없습니다" in r.content.decode()
        assert CommonCodeGroup.objects.filter(pk=brand.pk).exists()
        with pytest.raises(ValidationError):
            code_group_delete(group=brand)
        # renaming is fine; the disabled code field keeps BRAND whatever is posted
        r = admin_client.post(reverse("core:code_group_edit", args=[brand.pk]), {"code": "MAKER", "name": "제조사"})
        brand.refresh_from_db()
        assert r.status_code == 302 and (brand.code, brand.name) == ("BRAND", "제조사")

    def test_same_group_code_allowed_in_another_company(self, company, other_company):
        code_group_create(company=company, code="COLOR", name="색상")
        code_group_create(company=other_company, code="COLOR", name="색상")
        assert CommonCodeGroup.objects.filter(code="COLOR").count() == 2


class TestInlineCodes:
    def test_add_edit_deactivate_delete_with_htmx(self, admin_client, company):
        brand = _group(company)
        detail = reverse("core:code_group_detail", args=[brand.pk])
        assert 'data-testid="code-new-row"' in admin_client.get(detail).content.decode()

        r = admin_client.post(reverse("core:code_create", args=[brand.pk]), {"code": "NK", "name": "나이키"}, **HX)
        assert r.status_code == 200 and 'data-code="NK"' in r.content.decode()
        code = CommonCode.objects.get(group=brand, code="NK")
        assert code.company == company and code.is_active

        r = admin_client.post(reverse("core:code_update", args=[code.pk]),
                              {"code": "NIKE", "name": "나이키코리아", "sort_order": "3"}, **HX)
        code.refresh_from_db()
        assert r.status_code == 200 and 'data-testid="code-saved"' in r.content.decode()
        assert (code.code, code.name, code.sort_order, code.is_active) == ("NIKE", "나이키코리아", 3, False)
        assert code_choices(company, "BRAND") == []

        r = admin_client.post(reverse("core:code_delete", args=[code.pk]), **HX)
        assert r.status_code == 200 and r.content == b""
        assert not CommonCode.objects.filter(pk=code.pk).exists()

    def test_duplicate_code_in_group_is_a_clear_error_and_nothing_changes(self, admin_client, company):
        brand = _group(company)
        code_create(group=brand, code="NK", name="나이키")
        ad = code_create(group=brand, code="AD", name="아디다스")

        r = admin_client.post(reverse("core:code_create", args=[brand.pk]), {"code": "NK", "name": "또 나이키"}, **HX)
        body = r.content.decode()
        assert r.status_code == 200
        assert "코드 &#x27;NK&#x27;은(는) &#x27;브랜드&#x27; 그룹에 이미 있습니다." in body
        assert 'value="또 나이키"' in body  # the typed row is kept for correction
        assert brand.codes.count() == 2

        r = admin_client.post(reverse("core:code_update", args=[ad.pk]),
                              {"code": "NK", "name": "아디다스", "sort_order": "x", "is_active": "on"}, **HX)
        body = r.content.decode()
        assert "이미 있습니다" in body and "정렬순서는 0 이상의 정수로 입력하세요." in body
        ad.refresh_from_db()
        assert (ad.code, ad.sort_order) == ("AD", ad.sort_order)

    def test_a_code_in_use_cannot_be_deleted_only_switched_off(self, admin_client, company):
        from marketdock.catalog.models import Product

        brand = _group(company)
        nk = code_create(group=brand, code="NK", name="나이키")
        Product.objects.create(company=company, code="P1", name="운동화", brand=nk)
        r = admin_client.post(reverse("core:code_delete", args=[nk.pk]), **HX)
        assert r.status_code == 200
        assert "쓰고 있어 삭제할 수 없습니다" in r.content.decode() and "상품 1건" in r.content.decode()
        assert CommonCode.objects.filter(pk=nk.pk).exists()
        group = code_group_create(company=company, code="LINE", name="라인")
        line = code_create(group=group, code="L1", name="라인1")
        Product.objects.create(company=company, code="P2", name="모자", brand=line)
        with pytest.raises(ValidationError):
            code_group_delete(group=group)
        assert CommonCodeGroup.objects.filter(pk=group.pk).exists()

    def test_same_code_in_another_group_is_fine(self, company):
        code_create(group=_group(company), code="X1", name="a")
        code_create(group=_group(company, "SEASON"), code="X1", name="b")
        assert CommonCode.objects.filter(code="X1").count() == 2

    def test_plain_post_without_htmx_redirects_with_message(self, admin_client, company):
        brand = _group(company)
        r = admin_client.post(reverse("core:code_create", args=[brand.pk]), {"code": "", "name": ""}, follow=True)
        assert "코드를 입력하세요." in r.content.decode()
        assert not brand.codes.exists()

    def test_viewer_reads_but_cannot_change(self, viewer_client, company):
        brand = _group(company)
        code = code_create(group=brand, code="NK", name="나이키")
        body = viewer_client.get(reverse("core:code_group_detail", args=[brand.pk])).content.decode()
        assert "나이키" in body and 'data-testid="code-new-row"' not in body and "hx-post" not in body
        for url, data in [
            (reverse("core:code_create", args=[brand.pk]), {"code": "AD", "name": "아디다스"}),
            (reverse("core:code_update", args=[code.pk]), {"code": "NK", "name": "바뀜"}),
            (reverse("core:code_delete", args=[code.pk]), {}),
            (reverse("core:code_group_create"), {"code": "COLOR", "name": "색상"}),
            (reverse("core:code_group_delete", args=[brand.pk]), {}),
        ]:
            assert viewer_client.post(url, data, **HX).status_code == 403
        assert viewer_client.get(reverse("core:code_group_create")).status_code == 403
        code.refresh_from_db()
        assert code.name == "나이키" and brand.codes.count() == 1

    def test_isolation(self, other_client, company):
        brand = _group(company)
        group = code_group_create(company=company, code="SECRETGRP", name="비밀그룹")
        code = code_create(group=brand, code="SECRET1", name="비밀브랜드")
        urls = [
            reverse("core:code_group_detail", args=[brand.pk]),
            reverse("core:code_group_edit", args=[group.pk]),
            reverse("core:code_group_delete", args=[group.pk]),
            reverse("core:code_create", args=[brand.pk]),
            reverse("core:code_update", args=[code.pk]),
            reverse("core:code_delete", args=[code.pk]),
        ]
        assert_isolated(other_client, urls, secrets=("비밀그룹", "비밀브랜드", "SECRET1"))
        code.refresh_from_db()
        assert code.name == "비밀브랜드" and CommonCodeGroup.objects.filter(pk=group.pk).exists()
