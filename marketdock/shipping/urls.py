from django.urls import path

from . import views

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
]
