from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForwardingConfig(AppConfig):
    name = "tongban.forwarding"
    label = "forwarding"
    verbose_name = _("Cross-region cases")

    def ready(self) -> None:
        from tongban.cases.workflow import CASES
        from tongban.forwarding import handlers, intake

        del handlers  # imported for its message-type registrations
        CASES.subscribe(intake.on_case_transitioned)  # every move of a forwarded case goes to its origin
