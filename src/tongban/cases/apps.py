from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tongban.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from tongban.cases import shared_data
        from tongban.cases.joint import handlers  # noqa: F401  (registers the joint-case message types)

        shared_data.register()  # the exchange asks cases whether a case covers a subject
