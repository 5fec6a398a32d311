from django.urls import path

from . import views, views_labels, views_packages, views_scan, views_tracking

app_name = "shipping"

urlpatterns = [
    path("carriers/", views.carrier_list, name="carriers"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/delete/", views.contract_delete, name="contract_delete"),
    path("bands/", views.band_list, name="bands"),
    path("bands/new/", views.band_create, name="band_create"),
    path("bands/<int:pk>/", views.band_detail, name="band_detail"),
    path("bands/<int:pk>/toggle/", views.band_toggle, name="band_toggle"),
    path("numbers/<int:pk>/void/", views.number_void, name="number_void"),

    # 묶음배송/합포장, 운송장 출력, 출고검수, 배송추적 (views_packages, views_labels, views_scan, views_tracking)
    path("packages/", views_packages.package_list, name="packages"),
    path("packages/build/", views_packages.package_build, name="package_build"),
    path("packages/merge/", views_packages.package_merge, name="package_merge"),
    path("packages/<int:pk>/", views_packages.package_detail, name="package_detail"),
    path("packages/<int:pk>/split/", views_packages.package_split, name="package_split"),
    path("packages/<int:pk>/handover/", views_packages.package_handover, name="package_handover"),
    path("packages/orders/<int:pk>/lock/", views_packages.order_lock, name="order_lock"),
    path("labels/", views_labels.label_list, name="labels"),
    path("labels/print/", views_labels.label_print, name="label_print"),
    path("labels/move-back/", views_labels.label_move_back, name="label_move_back"),
    path("labels/batches/<int:pk>/", views_labels.label_batch, name="label_batch"),
    path("labels/batches/<int:pk>/pdf/", views_labels.label_batch_pdf, name="label_batch_pdf"),
    path("scan/", views_scan.scan, name="scan"),
    path("scan/<int:pk>/complete/", views_scan.scan_complete, name="scan_complete"),
    path("scan/<int:pk>/reset/", views_scan.scan_reset, name="scan_reset"),
    path("tracking/", views_tracking.tracking_list, name="tracking"),
    path("tracking/poll/", views_tracking.tracking_poll, name="tracking_poll"),
    path("tracking/<int:pk>/", views_tracking.tracking_detail, name="tracking_detail"),
]
