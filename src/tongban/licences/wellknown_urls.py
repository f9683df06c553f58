from django.urls import path

from tongban.licences import views

urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
