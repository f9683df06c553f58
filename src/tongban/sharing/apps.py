from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "tongban.sharing"
    label = "sharing"
    verbose_name = _("Data sharing")

    def ready(self) -> None:
        from tongban.sharing import connectors, contexts, federation, services
        from tongban.sharing.constants import ContextKind

        connectors.register_builtin()
        federation.register_handlers()
        contexts.register(ContextKind.VERIFICATION, services.verification_covers)
