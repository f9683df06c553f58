from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "tongban.sharing"
    label = "sharing"
    verbose_name = _("Data sharing")

    def ready(self) -> None:
        from tongban.sharing import contexts, handlers, services
        from tongban.sharing.connectors import registry
        from tongban.sharing.constants import ContextKind

        registry.register_builtin()
        handlers.register_handlers()
        contexts.register(ContextKind.VERIFICATION, services.verification_covers)
