import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

application = get_wsgi_application()

# Plain anonymous licence verifications skip the middleware stack (ADR 0018); everything else is unchanged.
from django.conf import settings  # noqa: E402

if settings.LICENCE_VERIFY_FAST_LANE:
    from tongban.licences.fastlane import VerifyFastLane

    application = VerifyFastLane(application)  # type: ignore[assignment]

# Load the search's word-segmentation dictionary once, before gunicorn forks its workers
# (with --preload), instead of on each worker's first search request.
from tongban.catalog.search import warm_up  # noqa: E402

warm_up()
