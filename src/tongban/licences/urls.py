from django.urls import path

from tongban.licences import views

app_name = "licences"

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("verify/presentation/", views.presentation_page, name="presentation"),
    path("mine/", views.my_licences, name="mine"),
    path("mine/uses/", views.my_uses, name="uses"),
    path("mine/<str:number>/", views.my_licence, name="detail"),
    path("mine/<str:number>/pdf", views.my_licence_pdf, name="pdf"),
    path("mine/<str:number>/vc-jwt", views.my_licence_vc, name="vc"),
    path("staff/", views.staff_licences, name="staff"),
    path("staff/<str:number>/", views.staff_licence, name="staff_detail"),
    path("credentials/<str:number>", views.credential, name="credential"),
    path("issuers/<str:region_code>/<str:department_code>", views.issuer, name="issuer"),
    path(
        "issuers/<str:region_code>/<str:department_code>/status/<str:purpose>/<int:block>",
        views.status_list,
        name="status_list",
    ),
]
