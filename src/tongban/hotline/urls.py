"""Hotline pages under ``/hotline/``."""

from django.urls import path

from tongban.hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.agent, name="agent"),
    path("tickets/<int:pk>/", views.ticket, name="ticket"),
    path("tickets/<int:pk>/act/<str:action>/", views.act, name="act"),
    path("tickets/<int:pk>/propose/", views.propose, name="propose"),
    path("department/", views.department, name="department"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("kb/", views.kb, name="kb"),
    path("kb/results/", views.kb_results, name="kb_results"),
    path("kb/<int:pk>/publish/", views.kb_publish, name="kb_publish"),
    path("figures/", views.figures, name="figures"),
    path("track/", views.track, name="track"),
    path("track/evaluate/", views.track_evaluate, name="track_evaluate"),
]
