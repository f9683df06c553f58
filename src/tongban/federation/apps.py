from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "tongban.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from tongban.federation import handlers  # noqa: F401  (registers the built-in message types)
