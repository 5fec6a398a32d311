app_name = "saas"

urlpatterns: list = []
