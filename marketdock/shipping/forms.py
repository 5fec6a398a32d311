from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.core import params
from marketdock.core.forms import BootstrapFormMixin
from marketdock.inventory.models import Warehouse

from . import selectors
from .models import BOX_SIZES, SettlementType


class ContractForm(BootstrapFormMixin, forms.Form):
    carrier = forms.ModelChoiceField(label=_("택배사"), queryset=selectors.carriers())
    name = forms.CharField(label=_("계약명"), max_length=100)
    contract_code = forms.CharField(label=_("계약코드(신용코드)"), max_length=50)
    customer_no = forms.CharField(label=_("업체코드"), max_length=50, required=False,
                                  help_text=_("우체국택배 계약 고객번호 등 택배사가 따로 주는 번호"))
    warehouse = forms.ModelChoiceField(label=_("출고지(보내는 곳)"), queryset=Warehouse.objects.none(),
                                       help_text=_("운송장의 보내는 사람·주소·전화번호는 이 창고 정보로 인쇄됩니다."))
    settlement = forms.ChoiceField(label=_("운임 구분"), choices=SettlementType.choices)
    is_default = forms.BooleanField(label=_("기본 계약"), required=False)
    is_active = forms.BooleanField(label=_("사용"), required=False, initial=True)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = selectors.carriers()
        warehouses = Warehouse.objects.filter(company=company, is_active=True)
        self.fields["warehouse"].queryset = warehouses
        if not self.initial.get("warehouse"):
            default = warehouses.filter(is_default=True).first() or warehouses.first()
            self.initial["warehouse"] = default.pk if default else None


class BoxRateForm(BootstrapFormMixin, forms.Form):
    """One box size of the contract; a row without a price is not used."""

    code = forms.ChoiceField(choices=BOX_SIZES, widget=forms.HiddenInput)
    name = forms.CharField(label=_("택배사 박스명"), max_length=30, required=False)
    price = forms.IntegerField(label=_("운임(원)"), min_value=0, max_value=10_000_000, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and data.get("price") is None:
            self.add_error("price", _("운임을 입력하세요."))
        return data

    @property
    def size_label(self) -> str:
        code = self.initial.get("code") or self.data.get(self.add_prefix("code"), "")
        return str(dict(BOX_SIZES).get(code, code))


BoxRateFormSet = forms.formset_factory(BoxRateForm, extra=0, max_num=len(BOX_SIZES), absolute_max=len(BOX_SIZES))


class BandForm(BootstrapFormMixin, forms.Form):
    contract = forms.ModelChoiceField(label=_("택배 계약"), queryset=None)
    start = forms.CharField(label=_("시작 번호"), max_length=30,
                            help_text=_("검증번호(마지막 자리)를 뺀 일련번호. 예: 롯데 31765377481"))
    end = forms.CharField(label=_("끝 번호"), max_length=30)
    warning_threshold = forms.IntegerField(label=_("소진 경고 기준"), min_value=0, max_value=params.QUANTITY_MAX, initial=500,
                                           help_text=_("남은 번호가 이보다 적으면 홈 화면에 알립니다."))
    memo = forms.CharField(label=_("메모"), max_length=200, required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = selectors.contracts(company, active_only=True)


class VoidForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("폐기 사유"), max_length=200, required=False)
