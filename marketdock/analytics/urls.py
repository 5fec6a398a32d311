from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("sales/", views.sales, name="sales"),
    path("sales/xlsx/", views.sales_xlsx, name="sales_xlsx"),
    path("hourly/", views.hourly, name="hourly"),
    path("hourly/xlsx/", views.hourly_xlsx, name="hourly_xlsx"),
    path("rates/", views.rates, name="rates"),
    path("rates/xlsx/", views.rates_xlsx, name="rates_xlsx"),
    path("compare/", views.compare, name="compare"),
    path("compare/xlsx/", views.compare_xlsx, name="compare_xlsx"),
    path("refresh/", views.refresh, name="refresh"),
]
