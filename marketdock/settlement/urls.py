from django.urls import path

from . import views, views_sales, views_store
from .urls_reconcile import urlpatterns as reconcile_urls

app_name = "settlement"

urlpatterns = [
    path("commissions/", views.commissions, name="commissions"),
    path("commissions/seed/", views.seed_defaults, name="commission_seed"),
    path("commissions/<int:pk>/", views.commission_edit, name="commission_edit"),
    path("commissions/<int:pk>/delete/", views.commission_delete, name="commission_delete"),
    path("schedules/<int:account_id>/", views.schedule_edit, name="schedule_edit"),
    path("expected/", views.expected, name="expected"),
    path("expected/<int:pk>/", views.expected_detail, name="expected_detail"),
    path("refresh/", views.refresh, name="refresh"),
    path("sales/", views_sales.sales, name="sales"),
    path("sales/xlsx/", views_sales.sales_xlsx, name="sales_xlsx"),
    path("store-sales/", views_store.store_sales, name="store_sales"),
    path("store-sales/new/", views_store.store_sale_new, name="store_sale_new"),
    path("store-sales/<int:pk>/", views_store.store_sale_detail, name="store_sale_detail"),
    path("store-sales/<int:pk>/void/", views_store.store_sale_void, name="store_sale_void"),
]
urlpatterns += reconcile_urls
