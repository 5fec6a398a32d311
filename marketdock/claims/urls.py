from django.urls import path

from . import urls_cs, views, views_inquiries, views_inspection, views_manual

app_name = "claims"

urlpatterns: list = [
    path("inquiries/", views_inquiries.inquiry_list, name="inquiries"),
    path("inquiries/collect/", views_inquiries.inquiry_collect, name="inquiry_collect"),
    path("inquiries/bulk-answer/", views_inquiries.inquiry_bulk_answer, name="inquiry_bulk_answer"),
    path("inquiries/<int:pk>/", views_inquiries.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<int:pk>/answer/", views_inquiries.inquiry_answer, name="inquiry_answer"),
    path("inquiries/<int:pk>/retry/", views_inquiries.inquiry_retry, name="inquiry_retry"),
    path("answer-templates/", views_inquiries.template_list, name="templates"),
    path("answer-templates/new/", views_inquiries.template_create, name="template_create"),
    path("answer-templates/<int:pk>/", views_inquiries.template_edit, name="template_edit"),
    path("answer-templates/<int:pk>/delete/", views_inquiries.template_delete, name="template_delete"),
    path("", views.claim_list, name="list"),
    path("bulk/", views.claim_bulk, name="bulk"),
    path("collect/", views.claim_collect, name="collect"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/decide/", views.claim_decide, name="decide"),
    path("<int:pk>/retry/", views.claim_retry, name="retry"),
    path("<int:pk>/exchange-sku/", views.claim_exchange_sku, name="exchange_sku"),
    path("inspection/", views_inspection.inspection_queue, name="inspection"),
    path("<int:pk>/inspect/", views_inspection.inspect, name="inspect"),
    path("orders/<int:pk>/new/", views_manual.claim_new, name="new"),
]
urlpatterns += urls_cs.urlpatterns  # 담당자 배정, 문자 발송, 클레임 분석
