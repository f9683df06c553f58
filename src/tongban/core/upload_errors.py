"""Why an uploaded file was refused: one error type per reason, each with its stable code (``core.filecheck``,
``core.scanning``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError


class UploadRefused(ApplicationError):
    """An uploaded file was not accepted for what it is or contains (each subclass its own code)."""


class UploadTypeNotAllowed(UploadRefused):
    status = 415
    default_code = "upload_type_not_allowed"
    default_message = _("This kind of file is not accepted. Upload a PDF, JPEG, PNG or OFD file.")


class UploadDamaged(UploadRefused):
    status = 415
    default_code = "upload_damaged"
    default_message = _("The file is damaged or incomplete: it cannot be opened as a PDF, JPEG, PNG or OFD file.")


class UploadActiveContent(UploadRefused):
    status = 415
    default_code = "upload_active_content"
    default_message = _(
        "The file contains web page code or scripts, which are not accepted. Save or scan it again as a plain document."
    )


class UploadTooManyPixels(UploadRefused):
    status = 413
    default_code = "upload_too_many_pixels"
    default_message = _("The image has too many pixels. Save it at a lower resolution.")


class UploadArchiveTooLarge(UploadRefused):
    status = 413
    default_code = "upload_archive_too_large"
    default_message = _("The OFD file unpacks to too many or too large parts.")


class UploadInfected(UploadRefused):
    status = 422
    default_code = "upload_infected"
    default_message = _("The virus scanner found malicious content in the file. It was not stored.")


class UploadScanUnavailable(UploadRefused):
    status = 503
    default_code = "upload_scan_unavailable"
    default_message = _("Files cannot be checked for viruses at the moment. Please try again later.")
