from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/export/", views.product_export, name="product_export"),
    path("products/new/", views.product_edit, name="product_create"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("products/<int:pk>/images/", views.product_images, name="product_images"),
    path("images/<int:pk>/", views.image_action, name="image_action"),
    path("images/bulk/", views.image_bulk, name="image_bulk"),
    path("skus/<int:pk>/set/", views.sku_set, name="sku_set"),
    path("barcodes/", views.barcodes, name="barcodes"),
    path("barcodes/<int:pk>/", views.barcode_update, name="barcode_update"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/", views.category_update, name="category_update"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("excel/", views.excel_page, name="excel"),
    path("excel/template/", views.excel_template, name="excel_template"),
    path("excel/<int:pk>/", views.excel_upload, name="excel_upload"),
    path("excel/<int:pk>/errors/", views.excel_errors, name="excel_errors"),
    path("labels/", views.labels_page, name="labels"),
]
