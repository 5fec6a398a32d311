from django.urls import path  # noqa: F401

from . import views_collect, views_excel, views_flow, views_list, views_match

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
    path("upload/sample/", views_excel.upload_sample, name="upload_sample"),
    path("upload/manual/", views_excel.manual_order, name="manual_order"),
    path("upload/errors/", views_excel.upload_errors, name="upload_errors"),
    path("upload/mappings/new/", views_excel.upload_mapping_create, name="upload_mapping_create"),
    path("upload/mappings/<int:pk>/", views_excel.upload_mapping_edit, name="upload_mapping_edit"),
    path("upload/mappings/<int:pk>/delete/", views_excel.upload_mapping_delete, name="upload_mapping_delete"),
]

# collection (주문수집/설정, 자동주문스케줄관리) and matching (미매칭 주문) — views_collect, views_match
urlpatterns += [
    path("collect/", views_collect.collect, name="collect"),
    path("collect/settings/", views_collect.collect_settings, name="collect_settings"),
    path("collect/accounts/<int:pk>/now/", views_collect.collect_now, name="collect_now"),
    path("collect/accounts/<int:pk>/backfill/", views_collect.collect_backfill, name="collect_backfill"),
    path("collect/runs/<int:pk>/", views_collect.run_detail, name="run_detail"),
    path("schedules/", views_collect.schedules, name="schedules"),
    path("schedules/<int:pk>/", views_collect.schedule_edit, name="schedule_edit"),
    path("unmatched/", views_match.unmatched, name="unmatched"),
    path("unmatched/skus/", views_match.sku_lookup, name="sku_lookup"),
    path("unmatched/lines/<int:pk>/match/", views_match.line_match, name="line_match"),
    path("unmatched/apply-rules/", views_match.rules_apply, name="rules_apply"),
    path("match-rules/", views_match.rules, name="match_rules"),
    path("match-rules/<int:pk>/delete/", views_match.rule_delete, name="match_rule_delete"),
]

# status flow (ORD-4..7), channel effects, Excel status/tracking upload (views_flow)
urlpatterns += [
    path("bulk/", views_flow.bulk_action, name="bulk"),
    path("delay/", views_flow.order_delay_view, name="delay"),
    path("<int:pk>/status/", views_flow.order_status, name="status"),
    path("<int:pk>/ship/", views_flow.order_ship, name="ship"),
    path("<int:pk>/retry/", views_flow.order_retry, name="retry"),
    path("<int:pk>/edit/", views_flow.order_edit, name="edit"),
    path("status-upload/", views_flow.status_upload, name="status_upload"),
    path("status-sheet/", views_flow.status_sheet, name="status_sheet"),
    path("shipped-export/", views_flow.shipped_export, name="shipped_export"),
]
