from django.urls import path

from tongban.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("elderly-mode/", views.elderly_mode, name="elderly_mode"),
]
