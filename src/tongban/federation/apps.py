from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "tongban.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from tongban.federation import (
            handlers,  # noqa: F401  (registers the built-in message types)
            licence_bridge,
        )
        from tongban.licences import verification

        verification.register_key_resolver(licence_bridge.key_resolver)
        verification.register_status_resolver(licence_bridge.status_resolver)
