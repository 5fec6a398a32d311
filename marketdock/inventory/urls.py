from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("stock/", views.stock, name="stock"),
    path("stock/reconcile/", views.stock_reconcile, name="stock_reconcile"),
    path("stock/sku/<int:sku_id>/", views.sku_stock, name="sku_stock"),
    path("ledger/", views.ledger, name="ledger"),
    path("warehouses/", views.warehouse_list, name="warehouse_list"),
    path("warehouses/new/", views.warehouse_create, name="warehouse_create"),
    path("warehouses/<int:pk>/", views.warehouse_edit, name="warehouse_edit"),
    path("inbound/", views.inbound_list, name="inbound_list"),
    path("inbound/new/", views.inbound_create, name="inbound_create"),
    path("inbound/upload/", views.inbound_upload, name="inbound_upload"),
    path("inbound/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("counts/", views.count_list, name="count_list"),
    path("counts/<int:pk>/", views.count_detail, name="count_detail"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("low/", views.low_stock, name="low_stock"),
]
