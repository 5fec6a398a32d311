"""Forms of the settlement screens (labels Korean; values checked again by the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.catalog.models import Category
from marketdock.channels.models import ChannelAccount
from marketdock.core.forms import BootstrapFormMixin

from .models import PaymentMethod, ScheduleKind

WEEKDAYS = [(0, _("월요일")), (1, _("화요일")), (2, _("수요일")), (3, _("목요일")), (4, _("금요일")),
            (5, _("토요일")), (6, _("일요일"))]


class RuleForm(BootstrapFormMixin, forms.Form):
    account = forms.ModelChoiceField(label=_("쇼핑몰 계정"), queryset=ChannelAccount.objects.none(),
                                     error_messages={"invalid_choice": _("쇼핑몰 계정을 다시 선택하세요.")})
    category = forms.ModelChoiceField(label=_("분류"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("전체 분류"),
                                      error_messages={"invalid_choice": _("분류를 다시 선택하세요.")})
    valid_from = forms.DateField(label=_("적용 시작일"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("적용 종료일"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sale_rate = forms.DecimalField(label=_("판매수수료율(%)"), min_value=0, max_value=99.999, decimal_places=3,
                                   initial=0)
    payment_rate = forms.DecimalField(label=_("결제수수료율(%)"), min_value=0, max_value=99.999, decimal_places=3,
                                      initial=0)
    shipping_rate = forms.DecimalField(label=_("배송비 수수료율(%)"), min_value=0, max_value=99.999,
                                       decimal_places=3, initial=0)
    fixed_fee_per_line = forms.IntegerField(label=_("건당 고정수수료(상품)"), min_value=0, max_value=10**9, initial=0)
    fixed_fee_per_order = forms.IntegerField(label=_("건당 고정수수료(주문)"), min_value=0, max_value=10**9, initial=0)
    currency = forms.CharField(label=_("고정수수료 통화"), max_length=3, initial="KRW")
    refund_reverses_commission = forms.BooleanField(label=_("환불 시 수수료 환급"), required=False, initial=True)
    memo = forms.CharField(label=_("메모"), max_length=300, required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = ChannelAccount.objects.filter(company=company).order_by("name")
        self.fields["category"].queryset = Category.objects.filter(company=company).order_by("name")


class ScheduleForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("정산 주기"), choices=ScheduleKind.choices)
    days = forms.IntegerField(label=_("지급까지 영업일"), min_value=0, max_value=90)
    weekday = forms.TypedChoiceField(label=_("주 마감 요일"), choices=WEEKDAYS, coerce=int, initial=6)
    auto_confirm_days = forms.IntegerField(label=_("자동 구매확정(일)"), min_value=0, max_value=60)


class StoreSaleHeadForm(BootstrapFormMixin, forms.Form):
    warehouse = forms.TypedChoiceField(label=_("매장"), coerce=int, choices=())
    sold_on = forms.DateField(label=_("판매일"), widget=forms.DateInput(attrs={"type": "date"}))
    payment_method = forms.ChoiceField(label=_("결제수단"), choices=PaymentMethod.choices)
    sale_discount = forms.IntegerField(label=_("전체 할인"), min_value=0, max_value=10**10, initial=0, required=False)
    memo = forms.CharField(label=_("메모"), max_length=300, required=False)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [(s.pk, s.name) for s in stores]
