from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tongban.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from tongban.cases.constants import CaseAction
        from tongban.cases.joint import handlers
        from tongban.cases.joint import services as joint
        from tongban.cases.workflow import CASES, materials_elsewhere_rule

        del handlers  # imported for its message-type registrations
        # 多地联办 follows the case workflow: a local step's moves go to the other region's node, an
        # approval waits for the transfer certificate, a step opened for a peer has no materials here.
        CASES.subscribe(joint.case_transitioned)
        CASES.guard(CaseAction.APPROVE, joint.approve_guard)
        materials_elsewhere_rule(joint.materials_come_from_peer)
