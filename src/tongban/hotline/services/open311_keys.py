"""API keys of Open311 clients: created by the node's operator, stored only as their hash."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict
from tongban.hotline.models import Open311Key
from tongban.hotline.services.common import clean_text


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    """A new API key; the plain key is returned once and only its hash is stored."""
    name = clean_text(name, max_length=100, code="invalid_name", message=_("Give the key a name."))
    if Open311Key.objects.filter(name=name).exists():
        raise Conflict(_("A key with this name already exists."), code="key_exists")
    key = "o311_" + secrets.token_urlsafe(32)
    record = Open311Key.objects.create(name=name, prefix=key[5:11], key_hash=hash_key(key))
    return record, key


def open311_key_check(key: str) -> Open311Key | None:
    if not key or len(key) > 200:
        return None
    record = Open311Key.objects.filter(key_hash=hash_key(key), active=True).first()
    if record is not None:
        Open311Key.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record
