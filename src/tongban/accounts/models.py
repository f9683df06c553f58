from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import LoginStage, MemberRole, NotificationKind, StaffRoleKind, UserKind
from tongban.core.identifiers import is_valid_resident_id, is_valid_uscc


def _validate_uscc_field(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError(_("The unified social credit code is not valid."), code="invalid_uscc")


def _validate_id_number_field(value: str) -> None:
    if value and not is_valid_resident_id(value):
        raise ValidationError(
            _("The ID number is not a valid 18-digit resident identity number."), code="invalid_id_number"
        )


class User(AbstractUser):
    """One identity for every service: a resident, an enterprise account, or a member of staff."""

    kind = models.CharField(_("kind"), max_length=12, choices=UserKind.choices, default=UserKind.RESIDENT)
    full_name = models.CharField(_("full name"), max_length=120, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home region"),
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=UserKind.values), name="user_kind_valid"),
            models.UniqueConstraint(
                fields=["id_number"], condition=~models.Q(id_number=""), name="user_id_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class StaffRole(models.Model):
    """A role a member of staff holds in one department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("user"))
    department = models.ForeignKey(
        "regions.Department",
        on_delete=models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=24, choices=StaffRoleKind.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="staff_role_unique"),
            models.CheckConstraint(condition=models.Q(role__in=StaffRoleKind.values), name="staff_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class Enterprise(models.Model):
    """A legal person (法人) identified by its unified social credit code (GB 32100)."""

    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[_validate_uscc_field]
    )
    name = models.CharField(_("name"), max_length=200)
    legal_representative_name = models.CharField(_("legal representative"), max_length=120)
    legal_representative_id_number = models.CharField(
        _("legal representative's ID number"), max_length=18, validators=[_validate_id_number_field]
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class EnterpriseMember(models.Model):
    """A person who may act for an enterprise: its legal representative or an authorised agent."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="enterprise_memberships", verbose_name=_("user")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="members", verbose_name=_("enterprise")
    )
    role = models.CharField(_("role"), max_length=24, choices=MemberRole.choices)
    authorised_from = models.DateField(_("authorised from"))
    authorised_until = models.DateField(_("authorised until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise member")
        verbose_name_plural = _("enterprise members")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=MemberRole.values), name="enterprise_member_role_valid"),
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=models.Q(active=True),
                name="enterprise_member_active_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(authorised_until__isnull=True)
                | models.Q(authorised_until__gte=models.F("authorised_from")),
                name="enterprise_member_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.enterprise} · {self.get_role_display()}"


class Notification(models.Model):
    """A message in a user's inbox (also sent by SMS or email when asked)."""

    # Looked up by user through ``notification_user_recent``; every case transition inserts one, so
    # no index of its own, nor one on the time alone.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user"), db_index=False
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=NotificationKind.choices, default=NotificationKind.INFO)
    link = models.CharField(_("link"), max_length=500, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=NotificationKind.values), name="notification_kind_valid")
        ]

    def __str__(self) -> str:
        return self.subject


class LoginAttempt(models.Model):
    """One step of a login, successful or not, with the address it came from (for lockout and audit)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="login_attempts", verbose_name=_("user")
    )
    username = models.CharField(_("username given"), max_length=150)
    stage = models.CharField(_("stage"), max_length=12, choices=LoginStage.choices)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    source = models.CharField(_("source address"), max_length=64, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="login_attempt_user_time"),
            models.Index(fields=["source", "created_at"], name="login_attempt_source_time"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.stage} {'ok' if self.succeeded else self.reason}"


class OneTimeCode(models.Model):
    """A login code sent through the notification backends; only its keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes", verbose_name=_("user"))
    challenge_hash = models.CharField(_("challenge hash"), max_length=64, unique=True)
    code_hash = models.CharField(_("code hash"), max_length=64)
    purpose = models.CharField(_("purpose"), max_length=20, default="login")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    source = models.CharField(_("source address"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"{self.user} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class FederatedIdentity(models.Model):
    """A local account that stands for a resident of a peer region (跨省通办 login, ADR 0015).

    The person logs in at their home region's node (an OpenID Connect provider); this node keeps
    the pair (home region, subject) the provider gave it and never holds a password for them.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="federated_identity", verbose_name=_("user")
    )
    home_region = models.CharField(_("home region"), max_length=6)
    issuer = models.CharField(_("issuer"), max_length=300)
    subject = models.CharField(_("subject at the home region"), max_length=255)
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login at"), null=True, blank=True)

    class Meta:
        verbose_name = _("federated identity")
        verbose_name_plural = _("federated identities")
        constraints = [
            models.UniqueConstraint(fields=["home_region", "subject"], name="federated_identity_subject_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.home_region}:{self.subject}"


class HomeRegionClient(models.Model):
    """This node's client registration at a peer region's OpenID Connect provider (relying-party side)."""

    region_code = models.CharField(_("region code"), max_length=6, unique=True)
    issuer = models.CharField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client id"), max_length=100)
    client_secret = models.CharField(_("client secret"), max_length=255)
    redirect_uri = models.CharField(_("redirect URI"), max_length=500)
    authorization_endpoint = models.CharField(_("authorization endpoint"), max_length=500)
    token_endpoint = models.CharField(_("token endpoint"), max_length=500)
    jwks_uri = models.CharField(_("JWKS URI"), max_length=500)
    jwks = models.JSONField(_("ID token keys (JWKS)"))
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("home-region login client")
        verbose_name_plural = _("home-region login clients")
        ordering = ["region_code"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.client_id}"


class PeerLoginClient(models.Model):
    """A peer node registered here as an OpenID Connect client (provider side), by a signed statement."""

    region_code = models.CharField(_("region code"), max_length=6, unique=True)
    application = models.OneToOneField(
        "oauth2_provider.Application",
        on_delete=models.CASCADE,
        related_name="peer_login_client",
        verbose_name=_("application"),
    )
    redirect_uri = models.CharField(_("redirect URI"), max_length=500)
    last_statement_sent = models.DateTimeField(_("time of the last registration statement"))
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("peer login client")
        verbose_name_plural = _("peer login clients")
        ordering = ["region_code"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.redirect_uri}"


class OidcConsent(models.Model):
    """A consent the user asked Tongban to remember: this client may sign them in with these scopes
    without asking again. Without it every authorization asks (``accounts.oidc_views``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_consents", verbose_name=_("user"))
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="+", verbose_name=_("application")
    )
    scopes = models.CharField(_("scopes"), max_length=500)
    created_at = models.DateTimeField(_("remembered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("remembered sign-in consent")
        verbose_name_plural = _("remembered sign-in consents")
        constraints = [models.UniqueConstraint(fields=["user", "application"], name="oidc_consent_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.application_id} · {self.scopes}"
