"""사용자관리 / 화면권한관리 (SYS-2): users, roles, screen permissions, plan user limit."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from marketdock.core.models import AccountChangeLog, Role, ScreenPermission, User
from marketdock.core.services_users import role_create
from tests.factories.core import PASSWORD, login_client, make_user
from tests.isolation import assert_isolated

pytestmark = pytest.mark.django_db


def _new_user_data(company, **extra):
    data = {
        "username": "kim01", "name": "김철수", "phone": "010-2222-3333", "email": "kim01@example.com",
        "role": Role.objects.get(company=company, builtin="operator").pk, "password": "", "channel": "",
    }
    data.update(extra)
    return data


# --- 사용자관리 -----------------------------------------------------------------------------------


def test_admin_creates_user_with_temporary_password_by_email(admin_client, company, admin_user):
    response = admin_client.post(reverse("core:user_create"), _new_user_data(company))
    assert response.status_code == 302
    user = User.objects.get(username="kim01")
    assert user.company == company and user.role.builtin == "operator"
    assert user.must_change_password
    assert user.phone == "010-2222-3333"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kim01@example.com"]
    temp = mail.outbox[0].body.split("임시 비밀번호는 ")[1].split(" ")[0]
    assert user.check_password(temp)
    log = AccountChangeLog.objects.filter(company=company, target_user=user, action="user_create")
    assert log.filter(actor=admin_user, field="권한", new_value="운영자").exists()


def test_created_user_without_email_gets_sms(admin_client, company):
    from marketdock.core.sms import MemorySmsBackend

    admin_client.post(reverse("core:user_create"), _new_user_data(company, email=""))
    assert not mail.outbox
    assert MemorySmsBackend.outbox[-1]["to"] == "01022223333"
    assert "임시 비밀번호" in MemorySmsBackend.outbox[-1]["text"]


def test_user_list_masks_personal_data_and_shows_users(admin_client, operator_user):
    User.objects.filter(pk=operator_user.pk).update(name="홍길동", phone="010-9876-5432")
    response = admin_client.get(reverse("core:user_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "acme_operator" in body
    assert "홍*동" in body and "홍길동" not in body
    assert "010-9876-****" in body and "5432" not in body


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"email": "", "phone": ""}, "휴대폰 번호와 이메일 중 하나는 반드시 입력하세요"),
        ({"phone": "12-34"}, "형식이 올바르지 않습니다"),
        ({"email": "not-an-email"}, "이메일"),
        ({"username": "ACME_ADMIN"}, "이미 사용 중인 아이디"),
        ({"username": "bad name!"}, "아이디"),
        ({"role": ""}, "필수"),
        ({"password": "12345678"}, "비밀번호"),
    ],
)
def test_bad_user_input_gives_clear_error_not_500(admin_client, company, extra, message):
    response = admin_client.post(reverse("core:user_create"), _new_user_data(company, **extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username__in=["kim01", "bad name!"]).exists()
    assert User.objects.filter(company=company).count() == 1


def test_role_of_another_company_is_refused(admin_client, company, other_company):
    foreign = Role.objects.get(company=other_company, builtin="admin")
    response = admin_client.post(reverse("core:user_create"), _new_user_data(company, role=foreign.pk))
    assert response.status_code == 200
    assert not User.objects.filter(username="kim01").exists()


def test_plan_user_limit_is_enforced_with_clear_message(admin_client, company):
    assert company.user_limit == 5
    for i in range(4):
        make_user(company, f"staff{i}")
    response = admin_client.post(reverse("core:user_create"), _new_user_data(company))
    body = response.content.decode()
    assert response.status_code == 200
    assert "최대 5명까지" in body and "베이직" in body
    assert not User.objects.filter(username="kim01").exists()
    # an inactive user does not count; re-activating beyond the limit is refused too
    staff0 = User.objects.get(username="staff0")
    admin_client.post(reverse("core:user_edit", args=[staff0.pk]), {
        "name": "s", "email": staff0.email, "phone": "", "role": staff0.role_id, "is_active": "",
    })
    assert admin_client.post(reverse("core:user_create"), _new_user_data(company)).status_code == 302
    response = admin_client.post(reverse("core:user_edit", args=[staff0.pk]), {
        "name": "s", "email": staff0.email, "phone": "", "role": staff0.role_id, "is_active": "on",
    })
    assert "최대 5명까지" in response.content.decode()
    staff0.refresh_from_db()
    assert not staff0.is_active


def test_edit_user_logs_each_changed_field(admin_client, company, admin_user, operator_user):
    viewer_role = Role.objects.get(company=company, builtin="viewer")
    response = admin_client.post(reverse("core:user_edit", args=[operator_user.pk]), {
        "name": "이순신", "email": operator_user.email, "phone": "01055556666", "role": viewer_role.pk,
        "is_active": "on",
    })
    assert response.status_code == 302
    operator_user.refresh_from_db()
    assert operator_user.role == viewer_role and operator_user.phone == "010-5555-6666"
    rows = {r.field: r for r in AccountChangeLog.objects.filter(target_user=operator_user, action="user_update")}
    assert set(rows) == {"이름", "휴대폰", "권한"}
    assert (rows["권한"].old_value, rows["권한"].new_value) == ("운영자", "조회전용")
    assert rows["권한"].actor == admin_user


def test_deactivated_user_cannot_sign_in(admin_client, company, operator_user):
    admin_client.post(reverse("core:user_edit", args=[operator_user.pk]), {
        "name": "운영", "email": operator_user.email, "phone": "", "role": operator_user.role_id, "is_active": "",
    })
    operator_user.refresh_from_db()
    assert not operator_user.is_active
    assert AccountChangeLog.objects.filter(target_user=operator_user, action="user_deactivate").exists()
    from django.test import Client

    client = Client()
    response = client.post(reverse("login"), {"username": "acme_operator", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "사용이 중지된 계정" in response.content.decode() or "올바르지 않습니다" in response.content.decode()


def test_main_admin_cannot_demote_or_deactivate_self(admin_client, company, admin_user):
    viewer_role = Role.objects.get(company=company, builtin="viewer")
    url = reverse("core:user_edit", args=[admin_user.pk])
    response = admin_client.post(url, {"name": "a", "email": admin_user.email, "phone": "", "role": viewer_role.pk,
                                       "is_active": "on"})
    assert response.status_code == 200
    assert "주관리자의 권한은" in response.content.decode()
    from marketdock.core.services_users import user_update

    with pytest.raises(Exception, match="사용 중지할 수 없습니다"):
        user_update(company=company, actor=admin_user, user=admin_user, name="a", email=admin_user.email, phone="",
                    role=admin_user.role, is_active=False)
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role.builtin == "admin"


def test_non_admins_are_refused_user_and_role_screens(operator_client, viewer_client, operator_user):
    for client in (operator_client, viewer_client):
        for name in ("core:user_list", "core:user_create", "core:role_list", "core:role_create", "core:logs"):
            assert client.get(reverse(name)).status_code == 403
        assert client.post(reverse("core:user_edit", args=[operator_user.pk]), {"name": "x"}).status_code == 403
    # even a custom role that lists the admin-only screen does not open it
    role = Role.objects.create(company=operator_user.company, name="몰래")
    ScreenPermission.objects.create(role=role, screen="core.users", level="write")
    User.objects.filter(pk=operator_user.pk).update(role=role)
    assert login_client(User.objects.get(pk=operator_user.pk)).get(reverse("core:user_list")).status_code == 403


# --- screen permissions shown in the shell ---------------------------------------------------------


def test_viewer_has_no_write_and_post_is_403(viewer_client, operator_client):
    response = viewer_client.get(reverse("core:job_list"))
    assert response.status_code == 200 and response.wsgi_request.can_write is False
    assert viewer_client.post(reverse("core:job_list")).status_code == 403
    assert operator_client.get(reverse("core:job_list")).wsgi_request.can_write is True
    body = viewer_client.get(reverse("home")).content.decode()
    assert 'data-screen="core.users"' not in body and 'data-screen="core.jobs"' in body


def test_custom_role_with_one_screen_sees_only_that_menu_item(company, admin_user):
    role = role_create(company=company, actor=admin_user, name="상품조회", levels={"catalog.products": "read"})
    user = make_user(company, "only_products", "viewer")
    user.role = role
    user.save()
    client = login_client(user)
    body = client.get(reverse("home")).content.decode()
    screens = [part.split('"')[0] for part in body.split('data-screen="')[1:]]
    assert screens == ["catalog.products"]
    assert client.get(reverse("core:job_list")).status_code == 403


# --- 화면권한관리 ----------------------------------------------------------------------------------


def test_role_create_with_matrix_and_change_log(admin_client, company, admin_user):
    response = admin_client.post(reverse("core:role_create"), {
        "name": "출고담당", "description": "배송만", "perm__shipping.scan": "write", "perm__orders.list": "read",
        "perm__catalog.products": "",
    })
    assert response.status_code == 302
    role = Role.objects.get(company=company, name="출고담당")
    assert dict(role.permissions.values_list("screen", "level")) == {"shipping.scan": "write", "orders.list": "read"}
    assert AccountChangeLog.objects.filter(action="role_create", target_label="출고담당").count() == 3

    response = admin_client.post(reverse("core:role_edit", args=[role.pk]), {
        "name": "출고담당", "description": "배송만", "perm__shipping.scan": "read", "perm__inventory.stock": "read",
    })
    assert response.status_code == 302
    assert dict(role.permissions.values_list("screen", "level")) == {"shipping.scan": "read",
                                                                   "inventory.stock": "read"}
    changes = {r.field: (r.old_value, r.new_value) for r in AccountChangeLog.objects.filter(action="role_update")}
    assert changes == {
        "화면: 출고검수": ("조회+수정", "조회"),
        "화면: 주문확인/처리": ("조회", "없음"),
        "화면: 재고현황": ("없음", "조회"),
    }


def test_role_edit_page_shows_matrix_of_every_screen(admin_client, company):
    role = Role.objects.get(company=company, builtin="viewer")
    body = admin_client.get(reverse("core:role_edit", args=[role.pk])).content.decode()
    from marketdock.core.menu import screens_by_key

    for key, screen in screens_by_key().items():
        assert escape(str(screen.label)) in body
        if not screen.admin_only:
            assert f'data-testid="perm-{key}-read"' in body
    assert "builtin-note" in body


def test_bad_role_input(admin_client, company):
    url = reverse("core:role_create")
    response = admin_client.post(url, {"name": "조회전용", "perm__orders.list": "read"})
    assert response.status_code == 200 and "이미 있습니다" in response.content.decode()
    response = admin_client.post(url, {"name": "이상한", "perm__orders.list": "admin"})
    assert response.status_code == 200
    response = admin_client.post(url, {"name": ""})
    assert response.status_code == 200
    assert not Role.objects.filter(company=company, name="이상한").exists()
    assert Role.objects.filter(company=company).count() == 3


def test_builtin_roles_cannot_be_changed_or_deleted(admin_client, company):
    role = Role.objects.get(company=company, builtin="operator")
    before = dict(role.permissions.values_list("screen", "level"))
    admin_client.post(reverse("core:role_edit", args=[role.pk]), {"name": "바꿈", "perm__orders.list": "read"})
    admin_client.post(reverse("core:role_delete", args=[role.pk]))
    role.refresh_from_db()
    assert role.name == "운영자"
    assert dict(role.permissions.values_list("screen", "level")) == before


def test_role_in_use_cannot_be_deleted_unused_can(admin_client, company, admin_user, operator_user):
    role = role_create(company=company, actor=admin_user, name="임시", levels={"orders.list": "read"})
    User.objects.filter(pk=operator_user.pk).update(role=role)
    response = admin_client.post(reverse("core:role_delete", args=[role.pk]), follow=True)
    assert "1명 있어 삭제할 수 없습니다" in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()
    User.objects.filter(pk=operator_user.pk).update(role=Role.objects.get(company=company, builtin="operator"))
    admin_client.post(reverse("core:role_delete", args=[role.pk]))
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AccountChangeLog.objects.filter(action="role_delete", target_label="임시").exists()


def test_user_and_role_urls_are_isolated(other_client, company, admin_user, operator_user):
    role = role_create(company=company, actor=admin_user, name="비밀권한", levels={"orders.list": "read"})
    User.objects.filter(pk=operator_user.pk).update(name="비밀이름")
    assert_isolated(other_client, [
        reverse("core:user_edit", args=[operator_user.pk]),
        reverse("core:user_unlock", args=[operator_user.pk]),
        reverse("core:role_edit", args=[role.pk]),
        reverse("core:role_delete", args=[role.pk]),
    ], secrets=("비밀권한", "비밀이름", "acme_operator"))
    assert Role.objects.filter(pk=role.pk).exists()
    assert not mail.outbox
