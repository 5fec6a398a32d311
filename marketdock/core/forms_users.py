"""Forms of 사용자관리, 화면권한관리, 사용자계정로그 and "forgot password". They only parse input;
the rules (contact required, user limit, built-in roles…) live in services_users.py."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import BootstrapFormMixin
from .menu import MENU
from .models import Role, ScreenPermission, User
from .services_users import CHANNEL_EMAIL, CHANNEL_SMS
from .validators import validate_phone

CHANNEL_CHOICES = [("", _("자동 (이메일 우선)")), (CHANNEL_EMAIL, _("이메일")), (CHANNEL_SMS, _("문자(SMS)"))]


class _RoleChoiceMixin:
    def _setup_role(self, company):
        self.fields["role"].queryset = Role.objects.filter(company=company).order_by("id")
        self.fields["role"].empty_label = _("권한 선택")


class UserCreateForm(BootstrapFormMixin, _RoleChoiceMixin, forms.Form):
    username = forms.CharField(
        label=_("아이디"), max_length=150, validators=[UnicodeUsernameValidator()],
        help_text=_("영문, 숫자, @ . + - _ 만 쓸 수 있습니다."),
    )
    name = forms.CharField(label=_("이름"), max_length=50)
    phone = forms.CharField(label=_("휴대폰"), max_length=20, required=False, validators=[validate_phone])
    email = forms.EmailField(label=_("이메일"), required=False)
    role = forms.ModelChoiceField(label=_("권한"), queryset=Role.objects.none())
    password = forms.CharField(
        label=_("초기 비밀번호"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("비워 두면 임시 비밀번호를 만들어 이메일 또는 문자로 보냅니다. 첫 로그인 때 변경해야 합니다."),
    )
    channel = forms.ChoiceField(label=_("임시 비밀번호 발송"), choices=CHANNEL_CHOICES, required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_role(company)


class UserEditForm(BootstrapFormMixin, _RoleChoiceMixin, forms.Form):
    name = forms.CharField(label=_("이름"), max_length=50)
    phone = forms.CharField(label=_("휴대폰"), max_length=20, required=False, validators=[validate_phone])
    email = forms.EmailField(label=_("이메일"), required=False)
    role = forms.ModelChoiceField(label=_("권한"), queryset=Role.objects.none())
    is_active = forms.BooleanField(label=_("사용"), required=False)

    def __init__(self, *args, company, user: User, **kwargs):
        kwargs.setdefault("initial", {
            "name": user.name, "phone": user.phone, "email": user.email, "role": user.role_id,
            "is_active": user.is_active,
        })
        super().__init__(*args, **kwargs)
        self._setup_role(company)
        if user.is_company_admin:
            self.fields["is_active"].disabled = True
            self.fields["is_active"].help_text = _("주관리자 계정은 사용 중지할 수 없습니다.")


class UnlockForm(forms.Form):
    channel = forms.ChoiceField(choices=CHANNEL_CHOICES, required=False)


class PasswordForgotForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("아이디"), max_length=150)
    contact = forms.CharField(
        label=_("등록된 이메일 또는 휴대폰 번호"), max_length=254,
        help_text=_("사용자 등록 때 입력한 이메일 주소나 휴대폰 번호를 입력하세요."),
    )


class PasswordResetCodeForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label=_("아이디"), max_length=150)
    code = forms.CharField(label=_("인증번호"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
    new_password1 = forms.CharField(label=_("새 비밀번호"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("새 비밀번호 확인"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("두 비밀번호가 서로 다릅니다."))
        return data


LEVEL_CHOICES = [("", _("없음")), *ScreenPermission.Level.choices]


def role_matrix_rows(levels: dict[str, str] | None = None) -> list[dict]:
    """The permission matrix: one group per menu section, one row per screen."""
    levels = levels or {}
    groups = []
    for section in MENU:
        rows = [
            {"key": s.key, "label": s.label, "level": levels.get(s.key, ""), "admin_only": s.admin_only}
            for s in section.screens
        ]
        groups.append({"key": section.key, "label": section.label, "rows": rows})
    return groups


class RoleForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("권한명"), max_length=50)
    description = forms.CharField(label=_("설명"), max_length=200, required=False)

    def __init__(self, *args, assignable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.assignable = assignable
        for key in assignable:
            self.fields[f"perm__{key}"] = forms.ChoiceField(choices=LEVEL_CHOICES, required=False)

    def levels(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"perm__{key}") or "" for key in self.assignable}


class LogFilterForm(forms.Form):
    date_from = forms.DateField(label=_("시작일"), required=False)
    date_to = forms.DateField(label=_("종료일"), required=False)
    user = forms.TypedChoiceField(label=_("사용자"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        users = User.objects.filter(company=company).order_by("username").values_list("pk", "username", "name")
        self.fields["user"].choices = [("", _("전체"))] + [
            (pk, f"{username} ({name})" if name else username) for pk, username, name in users
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("시작일이 종료일보다 늦습니다."))
        return data

    @staticmethod
    def default_period() -> tuple:
        today = timezone.localdate()
        return today - timedelta(days=6), today
