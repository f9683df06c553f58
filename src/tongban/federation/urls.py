from django.urls import path

from tongban.accounts import federated_views
from tongban.federation import views

app_name = "federation"

urlpatterns = [
    path("node", views.node, name="node"),
    path("messages", views.messages, name="messages"),
    path("messages/batch", views.messages_batch, name="messages_batch"),
    path("query", views.query, name="query"),
    path("catalog", views.catalog, name="catalog"),
    path("oidc-clients", federated_views.peer_client_register, name="oidc_clients"),  # ADR 0015
]
