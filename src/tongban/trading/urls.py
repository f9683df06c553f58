"""Trading pages under ``/trading/``."""

from django.urls import path

from tongban.trading import views

app_name = "trading"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.procedure_new, name="new"),
    path("expert/", views.expert_home, name="expert"),
    path("files/<path:path>", views.document, name="document"),
    path("procedures/<int:pk>/", views.procedure, name="procedure"),
    path("procedures/<int:pk>/register/", views.register, name="register"),
    path("procedures/<int:pk>/bid/", views.bid, name="bid"),
    path("procedures/<int:pk>/bid/<int:bid_id>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path("procedures/<int:pk>/hall/", views.hall, name="hall"),
    path("procedures/<int:pk>/evaluation/", views.evaluation_page, name="evaluation"),
    path("procedures/<int:pk>/complaint/", views.complaint, name="complaint"),
    path("procedures/<int:pk>/operate/<str:action>/", views.operate, name="operate"),
]
