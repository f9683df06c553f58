"""A node of an earlier version: the federation endpoints without the batch endpoint (for a test)."""

from django.urls import path

from tongban.federation import views

urlpatterns = [
    path("federation/v1/node", views.node),
    path("federation/v1/messages", views.messages),
]
