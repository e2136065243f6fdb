"""Lean reads and inserts of single rows for the request paths that run most often.

The ORM builds and compiles its SQL again for every query, which costs more CPU
than the database spends on a primary-key read or a one-row insert. These helpers
build the statement once per model and reuse it. They cover only the plain case:
every concrete column, no signals, no deferred fields, the default database.
Everything else goes through the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TypeVar

from django.db import connection, models

ModelT = TypeVar("ModelT", bound=models.Model)


def _fields(model: type[models.Model], *, with_pk: bool) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]


@functools.cache
def _select_sql(model: type[models.Model], vendor: str) -> str:
    quote_name = connection.ops.quote_name
    columns = ", ".join(quote_name(field.column) for field in _fields(model, with_pk=True))
    return (
        f"SELECT {columns} FROM {quote_name(model._meta.db_table)} "
        f"WHERE {quote_name(model._meta.pk.column)} = %s"
    )


@functools.cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[models.Field, list]]:
    """Return each column's converters from database to Python values, as the ORM applies them."""
    table = model._meta.db_table
    result = []
    for field in _fields(model, with_pk=True):
        column = field.get_col(table)
        result.append(
            (column, connection.ops.get_db_converters(column) + field.get_db_converters(connection))
        )
    return result


def get(model: type[ModelT], pk) -> ModelT | None:
    """Return the row of ``model`` with primary key ``pk`` as an instance, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(model, connection.vendor), [pk])
        row = cursor.fetchone()
    return None if row is None else instance(model, row)


def columns(model: type[models.Model], alias: str) -> str:
    """Return the select list of every column of ``model`` under the table alias ``alias``.

    ``instance`` turns that many values of a fetched row back into an object.
    """
    return _columns(model, alias, connection.vendor)


@functools.cache
def _columns(model: type[models.Model], alias: str, vendor: str) -> str:
    quote_name = connection.ops.quote_name
    return ", ".join(
        f"{quote_name(alias)}.{quote_name(field.column)}" for field in _fields(model, with_pk=True)
    )


def column_count(model: type[models.Model]) -> int:
    """Return how many values ``columns`` selects for ``model``."""
    return len(_fields(model, with_pk=True))


def instance(model: type[ModelT], values: Sequence) -> ModelT:
    """Return the object for the values of ``columns(model, ...)``, converted as the ORM does."""
    converted = []
    pairs = zip(values, _converters(model, connection.vendor), strict=True)
    for value, (column, converters) in pairs:
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, _attnames(model), converted)


@functools.cache
def _attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in _fields(model, with_pk=True)]


@functools.cache
def _insert_sql(
    model: type[models.Model],
    vendor: str,
    rows: int,
    with_pk: bool,
    conflict_columns: tuple[str, ...],
) -> str:
    quote_name = connection.ops.quote_name
    fields = _fields(model, with_pk=with_pk)
    columns = ", ".join(quote_name(field.column) for field in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * rows)
    sql = f"INSERT INTO {quote_name(model._meta.db_table)} ({columns}) VALUES {values}"
    if conflict_columns:
        targets = ", ".join(quote_name(column) for column in conflict_columns)
        sql += f" ON CONFLICT ({targets}) DO NOTHING"
    if not with_pk:
        sql += f" RETURNING {quote_name(model._meta.pk.column)}"
    return sql


def insert(instances: Sequence[models.Model], *, unless_conflict_on: tuple[str, ...] = ()) -> bool:
    """Insert ``instances`` of one model in one statement; return whether rows were written.

    Field defaults already applied by the constructors are stored as they are.
    A model with a database-generated primary key gets it back from
    ``RETURNING`` (one instance at a time then). With ``unless_conflict_on``, a row
    whose columns clash with an existing row under a unique constraint on those
    columns is skipped (``ON CONFLICT DO NOTHING``) and the call returns False.
    """
    model = type(instances[0])
    with_pk = instances[0].pk is not None
    if not with_pk and len(instances) != 1:
        raise ValueError("rows without a primary key are inserted one at a time")
    fields = _fields(model, with_pk=with_pk)
    values = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection)
        for instance in instances
        for field in fields
    ]
    sql = _insert_sql(model, connection.vendor, len(instances), with_pk, unless_conflict_on)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if with_pk:
            written = cursor.rowcount > 0
        else:
            returned = cursor.fetchone()
            written = returned is not None
            if written:
                instances[0].pk = returned[0]
    if written:
        for instance in instances:
            instance._state.adding = False
            instance._state.db = connection.alias
    return written
