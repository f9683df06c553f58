from django.urls import path

from tongban.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("items/<str:code>/", views.item_guide, name="item_guide"),
    path("uniformity/", views.uniformity_report, name="uniformity_report"),
    path("uniformity/<str:base_code>/", views.uniformity_detail, name="uniformity_detail"),
    path("elderly-mode/", views.elderly_mode, name="elderly_mode"),
]
