from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from tongban.cases.workflow import CASES
        from tongban.supervision import services

        # A false commitment found by verification revokes the approval; supervision records it in
        # the applicant's credit file once the revocation and its notice are written.
        CASES.subscribe(services.on_case_moved, after_notices=True)
