"""Supervision pages under ``/supervision/``: the public 双随机一公开 pages, the supervisor's and the inspector's."""

from django.urls import path

from tongban.supervision import views

app_name = "supervision"

urlpatterns = [
    path("inspections/", views.public_plans, name="public_plans"),
    path("inspections/<int:pk>/", views.public_plan, name="public_plan"),
    path("inspections/<int:pk>/draw.json", views.public_draw_json, name="public_draw_json"),
    path("inspections/manage/", views.manage_plans, name="manage_plans"),
    path("inspections/<int:pk>/act/<str:action>/", views.plan_act, name="plan_act"),
    path("inspections/mine/", views.my_inspections, name="my_inspections"),
    path("inspections/record/<int:pk>/", views.record_result, name="record_result"),
    path("unresolved/", views.unresolved_list, name="unresolved_list"),
    path("unresolved/new/", views.unresolved_new, name="unresolved_new"),
    path("unresolved/<int:pk>/", views.unresolved_detail, name="unresolved_detail"),
]
