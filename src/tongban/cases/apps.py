from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tongban.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from tongban.cases.joint import handlers  # noqa: F401  (registers the joint-case message types)
        from tongban.cases.services import case_number_is_applicants
        from tongban.licences.services import register_case_check

        register_case_check(case_number_is_applicants)
