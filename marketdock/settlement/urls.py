from .urls_reconcile import urlpatterns as reconcile_urls

app_name = "settlement"

urlpatterns: list = []
urlpatterns += reconcile_urls
