"""URLs of 정산 대사 / 정산 내역 / 정산 리포트 (included by urls.py)."""

from django.urls import path

from . import views_reconcile

urlpatterns = [
    path("reconcile/", views_reconcile.reconcile, name="reconcile"),
    path("reconcile/<int:pk>/", views_reconcile.issue_detail, name="issue_detail"),
    path("statements/", views_reconcile.statements, name="statements"),
    path("statements/import/", views_reconcile.import_now, name="import_now"),
    path("statements/upload/", views_reconcile.upload, name="upload"),
    path("report/", views_reconcile.report, name="report"),
    path("report/xlsx/", views_reconcile.report_download, {"fmt": "xlsx"}, name="report_xlsx"),
    path("report/pdf/", views_reconcile.report_download, {"fmt": "pdf"}, name="report_pdf"),
]
