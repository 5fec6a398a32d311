from django import forms
from django.utils.translation import gettext_lazy as _

from marketdock.core.forms import BootstrapFormMixin
from marketdock.core.models import CompanyStatus, Plan

from .models import SUBSCRIBABLE_EVENTS


class WebhookForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("이름"), max_length=100)
    url = forms.CharField(label=_("수신 URL"), max_length=500, help_text=_("https:// 로 시작하는 주소"))
    events = forms.MultipleChoiceField(label=_("이벤트"), widget=forms.CheckboxSelectMultiple,
                                       choices=[(e.value, e.label) for e in SUBSCRIBABLE_EVENTS])
    is_active = forms.BooleanField(label=_("사용"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].widget.attrs["class"] = "form-check-input"


class PlanChangeForm(BootstrapFormMixin, forms.Form):
    plan = forms.ChoiceField(label=_("요금제"), choices=Plan.choices)
    status = forms.ChoiceField(label=_("상태"), choices=CompanyStatus.choices)
    buyer_data_days = forms.IntegerField(label=_("구매자 개인정보 보관일수"), min_value=30, max_value=1825, required=False)
    note = forms.CharField(label=_("메모"), max_length=300, required=False)
