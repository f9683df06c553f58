from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tongban.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from tongban.cases import acceptance, extensions
        from tongban.supervision import constants, credit, models, selectors, services

        # 守信一路绿灯，失信处处受限: credit is checked at every intake decision.
        acceptance.register("credit", credit.check_at_intake)
        extensions.provide_ratings(
            extensions.Ratings(
                tag_choices=lambda: list(constants.RatingTag.choices),
                rated_case_ids=lambda ids: set(
                    models.Rating.objects.filter(case_id__in=ids).values_list("case_id", flat=True)
                ),
                rating_for_case=lambda case_id: selectors.rating_for_case(case_id=case_id),
                rating_create=services.rating_create,
            )
        )
