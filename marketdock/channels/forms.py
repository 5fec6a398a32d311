"""Channel account form. It only parses input; the rules (credential shapes, unique name, schedule
limits, the Coupang default expiry) live in services.channel_account_create/update."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketdock.core.forms import BootstrapFormMixin

from .connectors import shopify
from .credentials import CREDENTIAL_FIELDS, credential_input_name
from .crypto import mask_secret
from .models import ChannelKind

# every credential input name (for sensitive_post_parameters)
CREDENTIAL_KEYS = tuple(credential_input_name(kind, f.key) for kind, fields in CREDENTIAL_FIELDS.items()
                        for f in fields)


class ChannelAccountForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("쇼핑몰"), choices=ChannelKind.choices)
    name = forms.CharField(label=_("계정명"), max_length=100,
                           help_text=_("같은 쇼핑몰에 계정이 여럿이면 구분할 수 있는 이름 (예: 스마트스토어 본점)"))
    base_url = forms.CharField(label=_("API 주소"), max_length=300, required=False,
                               help_text=_("비워 두면 쇼핑몰의 실제 API를 씁니다. 샌드박스·테스트 서버를 쓸 때만 입력하세요."))
    credentials_expire_on = forms.DateField(
        label=_("인증키 만료일"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("만료 30일 전부터 홈 화면에 알려 드립니다. 쿠팡 키는 비워 두면 발급 후 180일로 설정됩니다."))
    collect_every_minutes = forms.IntegerField(label=_("수집 주기(분)"), initial=30, max_value=7 * 24 * 60,
                                               help_text=_("5분 이상. 자동 수집을 켜 두면 이 간격으로 주문을 가져옵니다."))
    auto_collect = forms.BooleanField(label=_("자동 수집"), required=False, initial=True)
    dispatch_days = forms.IntegerField(
        label=_("출고기한(영업일)"), initial=2, min_value=0, required=False,
        help_text=_("쇼핑몰이 출고기한을 주지 않는 주문: 결제 후 이 영업일 수 안에 출고 (주말·공휴일 제외, 0은 당일)"))
    dispatch_cutoff_hour = forms.IntegerField(
        label=_("당일 출고 마감시각"), initial=15, min_value=0, required=False,
        help_text=_("이 시각(시) 이후 결제는 다음 영업일부터 셉니다. 0은 마감 없음."))
    is_active = forms.BooleanField(label=_("사용"), required=False, initial=True,
                                   help_text=_("끄면 수집·전송이 멈추고 주문 이력은 그대로 남습니다."))

    def __init__(self, *args, account=None, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)
        current = account.credentials if account else {}
        self.credential_groups: dict[str, list[forms.BoundField]] = {}
        for kind, fields in CREDENTIAL_FIELDS.items():
            for spec in fields:
                attrs = {"autocomplete": "new-password" if spec.secret else "off", "spellcheck": "false",
                         "data-kind": kind, "class": "form-control font-monospace"}
                help_text = spec.help
                if spec.secret:
                    if account and account.kind == kind and current.get(spec.key):
                        masked = mask_secret(current[spec.key])
                        attrs["placeholder"] = masked
                        help_text = _("저장됨: %(masked)s — 바꿀 때만 새 값을 입력하세요. 비워 두면 그대로 둡니다.") % {
                            "masked": masked}
                    widget = forms.PasswordInput(attrs=attrs, render_value=False)
                else:
                    widget = forms.TextInput(attrs=attrs)
                name = credential_input_name(kind, spec.key)
                self.fields[name] = forms.CharField(label=spec.label, required=False, max_length=300,
                                                    widget=widget, help_text=help_text, strip=True)
                if account and account.kind == kind and not spec.secret:
                    self.initial.setdefault(name, current.get(spec.key, ""))
        if account is not None:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("쇼핑몰 종류는 바꿀 수 없습니다. 다른 쇼핑몰이면 계정을 새로 등록하세요.")
            for name in ("name", "base_url", "credentials_expire_on", "collect_every_minutes", "auto_collect",
                         "dispatch_days", "dispatch_cutoff_hour", "is_active"):
                self.initial.setdefault(name, getattr(account, name))
            self.initial.setdefault("kind", account.kind)
        for kind, fields in CREDENTIAL_FIELDS.items():
            self.credential_groups[kind] = [self[credential_input_name(kind, spec.key)] for spec in fields]

    @property
    def general_fields(self):
        return [self[name] for name in ("kind", "name", "base_url", "credentials_expire_on", "collect_every_minutes",
                                        "auto_collect", "dispatch_days", "dispatch_cutoff_hour", "is_active")]

    @property
    def credential_sections(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(kind, label, bound fields) for every marketplace that has credentials; on the edit page
        only the account's own marketplace."""
        return [(kind, ChannelKind(kind).label, fields) for kind, fields in self.credential_groups.items()
                if fields and (self.account is None or self.account.kind == kind)]

    @property
    def shopify_api_version(self) -> str:
        return shopify.API_VERSION

    def credentials_for(self, kind: str) -> dict[str, str]:
        """The chosen kind's credentials under their stored keys (input names mapped back)."""
        return {spec.key: self.cleaned_data.get(credential_input_name(kind, spec.key)) or ""
                for spec in CREDENTIAL_FIELDS.get(kind, ())}

    def add_services_error(self, kind: str, error: ValidationError) -> None:
        """The services name credential errors by stored key (`client_id`); show each under the
        kind's own input."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        keys = {spec.key for spec in CREDENTIAL_FIELDS.get(kind, ())}
        for key, errors in error.error_dict.items():
            name = credential_input_name(kind, key) if key in keys else key
            self.add_error(name if name in self.fields else None, ValidationError(errors))
