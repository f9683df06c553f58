from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "tongban.hotline"
    label = "hotline"
    verbose_name = _("12345 hotline")

    def ready(self) -> None:
        from tongban.hotline import (
            federation,  # noqa: F401  (registers the hotline's federation message types)
            sharing_objections,
        )

        sharing_objections.subscribe()
