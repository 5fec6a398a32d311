from django.urls import path  # noqa: F401

from . import views_excel, views_list

app_name = "orders"

urlpatterns: list = []

# unified order list, detail, Excel download / templates / upload (views_list, views_excel)
urlpatterns += [
    path("", views_list.order_list, name="list"),
    path("<int:pk>/", views_list.order_detail, name="detail"),
    path("export/", views_excel.order_export, name="export"),
    path("export-templates/", views_excel.export_templates, name="export_templates"),
    path("export-templates/<int:pk>/", views_excel.export_template_edit, name="export_template_edit"),
    path("export-templates/<int:pk>/delete/", views_excel.export_template_delete, name="export_template_delete"),
    path("upload/", views_excel.order_upload, name="upload"),
    path("upload/manual/", views_excel.manual_order, name="manual_order"),
    path("upload/errors/", views_excel.upload_errors, name="upload_errors"),
    path("upload/mappings/new/", views_excel.upload_mapping_create, name="upload_mapping_create"),
    path("upload/mappings/<int:pk>/", views_excel.upload_mapping_edit, name="upload_mapping_edit"),
    path("upload/mappings/<int:pk>/delete/", views_excel.upload_mapping_delete, name="upload_mapping_delete"),
]
