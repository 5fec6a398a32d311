from django.urls import path

from . import urls_cs, views_inquiries

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
]
urlpatterns += urls_cs.urlpatterns  # 담당자 배정, 문자 발송, 클레임 분석
