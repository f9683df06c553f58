from django.urls import path

from tongban.federation import registry, views

app_name = "federation"

urlpatterns = [
    path("node", views.node, name="node"),
    path("messages", views.messages, name="messages"),
    path("messages/batch", views.messages_batch, name="messages_batch"),
    path("query", views.query, name="query"),
    # Registered by the apps above the transport: the signed catalog (catalog), the OIDC client
    # registration of the home-region login (homelogin, ADR 0015).
    *(path(e.route, e.view, name=e.name) for e in registry.endpoints()),
]
