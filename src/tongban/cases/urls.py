"""Case pages under ``/cases/``."""

from django.urls import path

from tongban.cases import views
from tongban.cases.joint import views as joint_views

app_name = "cases"

urlpatterns = [
    path("apply/<str:item_code>/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("work/", views.workbench, name="workbench"),
    path("received/", views.received, name="received"),
    path("window/", views.window, name="window"),
    path("window/<str:item_code>/", views.window_apply, name="window_apply"),
    path("track/<str:number>/", views.track, name="track"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/supplement/", views.supplement, name="supplement"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/notice/", views.notice, name="notice"),
    path("<int:pk>/materials/<int:material_id>/", views.material_download, name="material"),
    path("<int:pk>/materials/<int:material_id>/shared/", views.shared_material, name="shared"),
    path("<int:pk>/joint/apply/", joint_views.joint_apply, name="joint_apply"),
    path("<int:pk>/joint/certificate/", joint_views.joint_certificate, name="joint_certificate"),
]
