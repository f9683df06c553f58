"""The fast path: the one seam through which Tongban's hot statements bypass parts of the ORM.

Only an app's ``store.py``, ``core.workflow`` and ``core.audit`` import this package (ADR 0020);
everything else calls those. What it offers:

- ``CompiledQuery``: a queryset compiled once per connection and run again with other ids.
- ``execute`` / ``fetch_all``: one hand-written statement (``%s`` placeholders), prepared on
  PostgreSQL; ``one_of`` / ``none_of`` build ``IN`` conditions of one statement shape;
  ``instances`` reads rows of a plain model without compiling a queryset.
- ``save_fields`` / ``insert`` / ``insert_with`` / ``build``: ``save(update_fields=...)``, ``save()`` of a new row
  and ``Model(*values)`` without the per-call work, values prepared by the fields as ``save``
  does (``db_value``, ``preparer``).
- ``write_batch``: a transition's writes sent to PostgreSQL as one statement; ``defer_write`` and
  ``flush_writes`` for writers that join a batch.
- ``RowKey`` / ``RowsKey``: the content key of a row (of rows), read in the statement that uses it:
  the only keys a per-process cache may use (``key_of_no_rows`` for none).

The modules inside this package are private to it.
"""

from tongban.core.fastpath._batch import defer_write, execute, flush_writes, write_batch
from tongban.core.fastpath._compiled import CompiledQuery
from tongban.core.fastpath._connection import prepared_statements
from tongban.core.fastpath._keys import RowKey, RowsKey, key_of_no_rows
from tongban.core.fastpath._sql import fetch_all, instances, none_of, one_of
from tongban.core.fastpath._writes import build, db_value, insert, insert_with, preparer, save_fields

__all__ = [
    "CompiledQuery",
    "RowKey",
    "RowsKey",
    "build",
    "db_value",
    "defer_write",
    "execute",
    "fetch_all",
    "flush_writes",
    "insert",
    "insert_with",
    "instances",
    "key_of_no_rows",
    "none_of",
    "one_of",
    "prepared_statements",
    "preparer",
    "save_fields",
    "write_batch",
]
