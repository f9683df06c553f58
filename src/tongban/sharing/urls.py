from django.urls import path

from tongban.sharing import views

app_name = "sharing"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("resources/new/", views.resource_edit, name="resource_new"),
    path("resources/<str:code>/", views.resource_detail, name="resource"),
    path("resources/<str:code>/edit/", views.resource_edit, name="resource_edit"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<str:number>/", views.request_detail, name="request"),
    path("mine/", views.my_data, name="mine"),
    path("mine/<str:read_id>/objection/", views.my_objection, name="objection"),
    path("proofs/", views.proofs, name="proofs"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("verifications/", views.verifications, name="verifications"),
]
