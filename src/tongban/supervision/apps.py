from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from tongban.cases import acceptance
        from tongban.supervision import credit

        # 守信一路绿灯，失信处处受限: credit is checked at every intake decision.
        acceptance.register("credit", credit.check_at_intake)
