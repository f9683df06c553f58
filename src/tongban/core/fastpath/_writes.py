"""The hottest writes without ``Model.save``'s per-call work: one prepared ``UPDATE`` or ``INSERT``,
values prepared by the fields exactly as ``save`` does, and rows built without ``Model.__init__``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, signals
from django.db.models.base import ModelState

from tongban.core.fastpath._batch import defer_write, execute

_M = TypeVar("_M", bound=Model)


# ---------------------------------------------------------------- the hottest writes

# PostgreSQL takes these fields' Python values as they are (or, for integers, wrapped in the
# psycopg type Django wraps them in): Django's preparation (``to_python``, ``adapt_*field_value``)
# returns a value of one of these exact types unchanged. Anything else (an enum member, a naive
# datetime, JSON) goes through ``get_db_prep_save``.
_TEXT = ("CharField", "TextField", "SlugField", "EmailField", "URLField")
_INTEGERS = (
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
)
_AS_IS: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(_TEXT, (str, type(None))),
    **dict.fromkeys(_INTEGERS, (int,)),
    **dict.fromkeys(("AutoField", "BigAutoField"), (int, type(None))),
    "BooleanField": (bool,),
    "DateField": (dt.date, type(None)),
    "DateTimeField": (dt.datetime, type(None)),
}
_AS_IS_BY_FIELD: dict[tuple[str, Field[Any, Any]], tuple[tuple[type, ...], Callable[[Any], Any] | None]] = {}


def _as_is(
    field: Field[Any, Any], connection: BaseDatabaseWrapper
) -> tuple[tuple[type, ...], Callable[[Any], Any] | None]:
    key = (connection.alias, field)
    found = _AS_IS_BY_FIELD.get(key)
    if found is None:
        target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
        internal = target.get_internal_type()
        types = _AS_IS.get(internal, ()) if connection.vendor == "postgresql" else ()
        wrap = connection.ops.integerfield_type_map[internal] if types and internal in _INTEGERS else None  # type: ignore[attr-defined]
        found = (types, wrap)
        _AS_IS_BY_FIELD[key] = found
    return found


def db_value(field: Field[Any, Any], value: Any, connection: BaseDatabaseWrapper) -> Any:
    """``field.get_db_prep_save(value, connection)``, without the work when PostgreSQL takes the value
    as it is (a ``str`` for a text column, an ``int`` for an id, an aware ``datetime``...)."""
    return preparer(field, connection)(value)


def preparer(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """``db_value`` for one field, as a function of the value (for statements prepared per model)."""
    types, wrap = _as_is(field, connection)
    prep = field.get_db_prep_save

    def prepare(value: Any) -> Any:
        kind = type(value)
        if kind in types and (kind is not dt.datetime or value.tzinfo is not None):
            return value if wrap is None else wrap(value)
        return prep(value, connection)

    return prepare


_ATTNAMES: dict[type[Model], tuple[str, ...]] = {}


def build(model: type[_M], values: Sequence[Any]) -> _M:
    """``model(*values)`` (values in the order of the concrete fields, the primary key first) without
    ``Model.__init__``'s per-field work, when nobody listens to the model's ``pre_init``/``post_init``
    (the two hottest rows of a transition, its audit event and its notice, are built this way)."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return model(*values)
    names = _ATTNAMES.get(model)
    if names is None:
        names = _ATTNAMES[model] = tuple(f.attname for f in model._meta.concrete_fields)
    if len(values) != len(names):
        raise TypeError(f"{model.__name__} has {len(names)} fields, {len(values)} values given")
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


_Targets = list[tuple[Field[Any, Any], Callable[[Any], Any]]]
_WRITE_SQL: dict[tuple[str, type[Model], tuple[str, ...], str], tuple[str, _Targets]] = {}


def _fast_path(model: type[Model]) -> bool:
    """Whether a write may skip ``Model.save``: the model does not override it, has no parents, and
    nobody listens to its ``pre_save``/``post_save`` signals."""
    return (
        model.save is Model.save
        and not model._meta.parents
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
    )


def _write_sql(
    connection: BaseDatabaseWrapper, model: type[Model], names: tuple[str, ...], kind: str
) -> tuple[str, _Targets]:
    key = (connection.alias, model, names, kind)
    found = _WRITE_SQL.get(key)
    if found is not None:
        return found
    q = connection.ops.quote_name
    meta = model._meta
    pk = q(str(meta.pk.column)) if meta.pk is not None else q("id")
    fields: list[Field[Any, Any]] = (
        [meta.get_field(n) for n in names]  # type: ignore[misc]
        if kind == "update"
        else [f for f in meta.concrete_fields if not f.primary_key]
    )
    table = q(meta.db_table)
    if kind == "update":
        assignments = ", ".join(f"{q(str(f.column))} = %s" for f in fields)
        sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s RETURNING {pk}"  # noqa: S608 (our names)
    else:
        columns = ", ".join(q(str(f.column)) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608
    targets = [(f, preparer(f, connection)) for f in fields]
    _WRITE_SQL[key] = (sql, targets)
    return sql, targets


def save_fields(instance: Model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``instance.save(update_fields=fields)`` as one prepared ``UPDATE`` (see ``execute``).

    The values are prepared by the fields exactly as ``save`` does (``auto_now`` included when
    named); a model with ``pre_save``/``post_save`` receivers or parents goes through ``save``.
    Inside ``write_batch`` the update waits for the batch (a vanished row fails when it is sent).
    """
    model = type(instance)
    names = tuple(dict.fromkeys(fields))
    if instance.pk is None or instance._state.adding or not _fast_path(model):
        instance.save(update_fields=names, using=using)
        return
    connection = connections[using]
    sql, targets = _write_sql(connection, model, names, "update")
    params = [prepare(f.pre_save(instance, False)) for f, prepare in targets]
    if not defer_write(
        connection, sql, [*params, instance.pk], result="count", done=_updated, key=(model._meta.db_table, instance.pk)
    ):
        _updated(len(execute(connection, sql, [*params, instance.pk])))


def _updated(rows: int) -> None:
    if not rows:
        raise DatabaseError("Save with update_fields did not affect any rows.")


def insert(instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """``instance.save()`` of a new row as one prepared ``INSERT … RETURNING`` (see ``save_fields``).

    Inside ``write_batch`` the insert waits for the batch: ``instance.pk`` is set when it is sent.
    """
    model = type(instance)
    if instance.pk is not None or not _fast_path(model):
        instance.save(force_insert=True, using=using)
        return
    connection = connections[using]
    sql, targets = _write_sql(connection, model, (), "insert")
    params = [prepare(f.pre_save(instance, True)) for f, prepare in targets]

    def inserted(pk: Any) -> None:
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = using

    if not defer_write(connection, sql, params, result="value", done=inserted):
        ((pk,),) = execute(connection, sql, params)
        inserted(pk)


def insert_with(instance: Model, *, then: str, then_params: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> None:
    """``insert(instance)`` and ``then``, a statement that writes rows reading the new row's primary
    key as ``__new__.id`` (``INSERT … SELECT … FROM __new__ …``): on PostgreSQL in one statement
    (data-modifying ``WITH`` parts), elsewhere in two. Sent at once, not batched."""
    model = type(instance)
    connection = connections[using]
    if instance.pk is not None or not _fast_path(model) or connection.vendor != "postgresql":
        insert(instance, using=using)
        if instance.pk is None:  # (a batch is open: send it, the instance gets its key)
            execute(connection, "SELECT 1", [])
        new = f"(SELECT {int(instance.pk)} AS id)"
        execute(connection, then.replace("__new__", new), then_params, fetch=False)
        return
    sql, targets = _write_sql(connection, model, (), "insert")
    params = [prepare(f.pre_save(instance, True)) for f, prepare in targets]
    ((pk,),) = execute(
        connection,
        f"WITH n(id) AS ({sql}), t AS ({then.replace('__new__', 'n')}) SELECT * FROM n",  # noqa: S608 (our statements)
        [*params, *then_params],
    )
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
