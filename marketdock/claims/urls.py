from django.urls import path

from . import urls_cs, views, views_inspection, views_manual

app_name = "claims"

urlpatterns: list = [
    path("", views.claim_list, name="list"),
    path("bulk/", views.claim_bulk, name="bulk"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/decide/", views.claim_decide, name="decide"),
    path("<int:pk>/retry/", views.claim_retry, name="retry"),
    path("<int:pk>/exchange-sku/", views.claim_exchange_sku, name="exchange_sku"),
    path("inspection/", views_inspection.inspection_queue, name="inspection"),
    path("<int:pk>/inspect/", views_inspection.inspect, name="inspect"),
    path("orders/<int:pk>/new/", views_manual.claim_new, name="new"),
]
urlpatterns += urls_cs.urlpatterns  # 담당자 배정, 문자 발송, 클레임 분석
