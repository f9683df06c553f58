from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeLoginConfig(AppConfig):
    """The cross-region login (ADR 0015): above accounts and federation, it plugs into both."""

    name = "tongban.homelogin"
    label = "homelogin"
    verbose_name = _("Home-region login")

    def ready(self) -> None:
        from django.urls import path

        from tongban.accounts import extensions
        from tongban.federation import registry
        from tongban.homelogin import federated_login, views

        extensions.register_login_routes(
            path("login/region/<str:region_code>/", views.federated_login_start, name="federated_login_start"),
            path(
                "login/region/<str:region_code>/callback/",
                views.federated_login_callback,
                name="federated_login_callback",
            ),
        )
        extensions.provide_home_regions(federated_login.login_regions)
        registry.register_endpoint("oidc-clients", views.peer_client_register, name="oidc_clients")  # ADR 0015
