"""URLs of 담당자 배정, 문자 발송 and 클레임 분석 (included into claims/urls.py)."""

from django.urls import path

from . import views_assign, views_rates, views_sms

urlpatterns = [
    path("assign/claim/<int:pk>/", views_assign.claim_assign, name="claim_assign"),
    path("assign/inquiry/<int:pk>/", views_assign.inquiry_assign, name="inquiry_assign"),
    path("assign/claims/", views_assign.claims_assign_bulk, name="claims_assign_bulk"),
    path("assign/inquiries/", views_assign.inquiries_assign_bulk, name="inquiries_assign_bulk"),
    path("assign/rules/", views_assign.assign_rules, name="assign_rules"),
    path("assign/rules/<int:pk>/", views_assign.assign_rule_edit, name="assign_rule_edit"),
    path("assign/rules/<int:pk>/delete/", views_assign.assign_rule_delete, name="assign_rule_delete"),
    path("sms/", views_sms.sms_log, name="sms_log"),
    path("sms/senders/", views_sms.sms_senders, name="sms_senders"),
    path("sms/senders/<int:pk>/confirm/", views_sms.sms_sender_confirm, name="sms_sender_confirm"),
    path("sms/senders/<int:pk>/resend/", views_sms.sms_sender_resend, name="sms_sender_resend"),
    path("sms/senders/<int:pk>/default/", views_sms.sms_sender_default, name="sms_sender_default"),
    path("sms/senders/<int:pk>/delete/", views_sms.sms_sender_delete, name="sms_sender_delete"),
    path("sms/send/orders/", views_sms.sms_send_orders, name="sms_send_orders"),
    path("sms/send/claim/<int:pk>/", views_sms.sms_send_claim, name="sms_send_claim"),
    path("sms/send/inquiry/<int:pk>/", views_sms.sms_send_inquiry, name="sms_send_inquiry"),
    path("analysis/", views_rates.rates_view, name="rates"),
    path("analysis/xlsx/", views_rates.rates_xlsx, name="rates_xlsx"),
    path("analysis/reclassify/", views_rates.rates_reclassify, name="rates_reclassify"),
]
