"""The service catalog: national base items, regional implementation items (with versions), themes.

Structured lists that belong to one version and are never queried on their own
(legal basis, conditions, fees, special steps, process, FAQ, situations, form fields)
are JSON, validated by the schemas in ``schemas.py`` before they are saved. Materials
are rows because cases and licences refer to them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import (
    Channel,
    CrossRegionMode,
    HandlingType,
    ItemKind,
    ItemStatus,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ReformMode,
    ResultForm,
    ServiceObject,
    ThemeAudience,
)
from tongban.core.models import TimeStampedModel
from tongban.regions.selectors import is_local


class Theme(models.Model):
    """A life event (新生儿出生) or enterprise life-cycle stage (开办企业) that groups items."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    audience = models.CharField(_("audience"), max_length=12, choices=ThemeAudience.choices)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["audience", "order", "code"]

    def __str__(self) -> str:
        return self.name


class BaseItem(TimeStampedModel):
    """An entry of the national base list (基本目录): the six basic elements every region must match."""

    base_code = models.CharField(_("base code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    competent_department = models.CharField(_("competent department"), max_length=120)
    implementing_level = models.CharField(_("implementing level"), max_length=60, blank=True)
    legal_basis = models.JSONField(_("legal basis"), default=list, blank=True)

    class Meta:
        verbose_name = _("base item")
        verbose_name_plural = _("base items")
        ordering = ["base_code"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="base_item_kind_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.base_code})"


class ServiceItem(TimeStampedModel):
    """One version of a region's implementation item (实施清单事项).

    ``code`` identifies the item across versions. At most one version per code is
    published and at most one is a draft; publishing a draft supersedes the live version
    in the same transaction, and superseded versions are kept as history.
    """

    code = models.CharField(_("implementation code"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    base = models.ForeignKey(BaseItem, on_delete=models.PROTECT, related_name="implementations")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="service_items")
    department = models.ForeignKey("regions.Department", on_delete=models.PROTECT, related_name="service_items")

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    handling_type = models.CharField(
        _("handling type"), max_length=14, choices=HandlingType.choices, default=HandlingType.NEW
    )
    service_object = models.CharField(_("service object"), max_length=16, choices=ServiceObject.choices)
    content = models.TextField(_("content"), blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    legal_basis = models.JSONField(_("legal basis"), default=list, blank=True)

    legal_limit_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"), default=0)
    promised_limit_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"), default=0)
    limit_note = models.CharField(_("time limit note"), max_length=200, blank=True)

    fees = models.JSONField(_("fees"), default=list, blank=True)
    result_form = models.CharField(_("result form"), max_length=20, choices=ResultForm.choices)
    result_name = models.CharField(_("result name"), max_length=120, blank=True)
    licence_type_code = models.CharField(_("licence type"), max_length=40, blank=True)

    channels = models.JSONField(_("channels"), default=list, blank=True)
    handling_place = models.CharField(_("handling place"), max_length=300, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=200, blank=True)
    visits_needed = models.PositiveSmallIntegerField(_("visits needed"), default=0)
    online_depth = models.PositiveSmallIntegerField(
        _("online depth"), choices=OnlineDepth.choices, default=OnlineDepth.APPLICATION
    )
    cross_region_mode = models.CharField(
        _("cross-region mode"), max_length=14, choices=CrossRegionMode.choices, default=CrossRegionMode.NONE
    )
    reform_mode = models.CharField(_("reform mode"), max_length=12, choices=ReformMode.choices, default=ReformMode.NONE)
    commitment_allowed = models.BooleanField(_("notification and commitment allowed"), default=False)
    commitment_text = models.TextField(_("commitment text"), blank=True)
    gap_acceptance_allowed = models.BooleanField(_("acceptance with gaps allowed"), default=False)

    special_steps = models.JSONField(_("special steps"), default=list, blank=True)
    process = models.JSONField(_("process"), default=list, blank=True)
    faq = models.JSONField(_("frequently asked questions"), default=list, blank=True)
    situations = models.JSONField(_("situations"), default=list, blank=True)
    form_fields = models.JSONField(_("form fields"), default=list, blank=True)
    service_commitments = models.TextField(_("service commitments"), blank=True)
    consultation_phone = models.CharField(_("consultation phone"), max_length=60, blank=True)
    complaint_phone = models.CharField(_("complaint phone"), max_length=60, blank=True)

    themes = models.ManyToManyField(Theme, related_name="items", blank=True, verbose_name=_("themes"))

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="item_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status=ItemStatus.PUBLISHED), name="item_one_published_version"
            ),
            models.UniqueConstraint(fields=["code"], condition=Q(status=ItemStatus.DRAFT), name="item_one_draft"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="item_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="item_kind_valid"),
            models.CheckConstraint(condition=Q(service_object__in=ServiceObject.values), name="item_object_valid"),
            models.CheckConstraint(
                condition=Q(cross_region_mode__in=CrossRegionMode.values), name="item_cross_region_valid"
            ),
            models.CheckConstraint(condition=Q(reform_mode__in=ReformMode.values), name="item_reform_valid"),
            models.CheckConstraint(condition=Q(result_form__in=ResultForm.values), name="item_result_form_valid"),
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="item_promised_within_legal",
            ),
            models.CheckConstraint(condition=Q(online_depth__gte=1, online_depth__lte=4), name="item_depth_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "region", "department"], name="item_status_region_idx"),
            models.Index(fields=["base", "status"], name="item_base_status_idx"),
            # The search's filters, read from the index alone (PostgreSQL covering index) so that
            # filtering the matches never reads the wide item rows.
            models.Index(
                fields=["id"],
                include=["region", "department", "kind", "service_object", "cross_region_mode"],
                condition=Q(status=ItemStatus.PUBLISHED),
                name="item_search_filter_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} v{self.version})"

    @property
    def is_local(self) -> bool:
        """An item of this node's region (or within it). A peer region's item, held here for
        comparison or display, is applied for only through the cross-region paths (forwarding)."""
        return is_local(region_code=self.region_id)

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels.get(c, c)) for c in self.channels]


class Material(models.Model):
    """A material (申请材料) one version of an item asks for."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    form = models.CharField(_("form"), max_length=20, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL)
    count = models.PositiveSmallIntegerField(_("number of copies"), default=1)
    required = models.BooleanField(_("required"), default=True)
    gap_allowed = models.BooleanField(_("may be supplied later (容缺)"), default=False)
    source = models.CharField(
        _("source"), max_length=14, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    source_note = models.CharField(_("source note"), max_length=200, blank=True)
    licence_type_code = models.CharField(_("replaceable by licence type"), max_length=40, blank=True)
    data_resource_code = models.CharField(_("replaceable by shared data"), max_length=60, blank=True)
    data_fields = models.JSONField(
        _("fields of the shared data that prove it"),
        default=list,
        blank=True,
        help_text=_("Empty: every field the reading department is approved for."),
    )
    applies_when = models.JSONField(_("applies when"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["item_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="material_item_code_unique"),
            models.CheckConstraint(condition=Q(form__in=MaterialForm.values), name="material_form_valid"),
            models.CheckConstraint(condition=Q(source__in=MaterialSource.values), name="material_source_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchTerm(models.Model):
    """One term of the search index of a published item (jieba words, their pinyin and initials)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="search_terms")
    term = models.CharField(max_length=64)
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "item"], name="search_term_item_unique")]
        # Prefix lookups (``gongji`` → ``gongjijin``) on PostgreSQL need the pattern operator class
        # whatever the database collation; SQLite ignores it and searches a range of the index.
        # The included columns let PostgreSQL answer a search from the index alone.
        indexes = [
            models.Index(
                fields=["term"],
                name="search_term_prefix_idx",
                opclasses=["varchar_pattern_ops"],
                include=["item", "weight"],
            )
        ]

    def __str__(self) -> str:
        return self.term


class SearchGeneration(models.Model):
    """One row counting changes of the search index; cached search answers are keyed by it."""

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
