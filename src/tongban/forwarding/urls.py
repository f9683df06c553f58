from django.urls import path

from tongban.forwarding import views

app_name = "forwarding"

urlpatterns = [
    path("window/", views.window, name="window"),
    path("window/<str:region>/<str:code>/", views.window_apply, name="window_apply"),
    path("online/", views.online, name="online"),
    path("online/<str:region>/<str:code>/", views.online_apply, name="online_apply"),
    path("received/", views.received, name="received"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("<int:pk>/supply/", views.supply, name="supply"),
    path("<int:pk>/deliver/", views.deliver, name="deliver"),
]
