from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForwardingConfig(AppConfig):
    name = "tongban.forwarding"
    label = "forwarding"
    verbose_name = _("Cross-region cases")

    def ready(self) -> None:
        from tongban.cases.signals import case_transitioned
        from tongban.forwarding import handlers, intake

        del handlers  # imported for its message-type registrations
        case_transitioned.connect(intake.on_case_transitioned, dispatch_uid="forwarding.status")
