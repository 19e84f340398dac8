"""Schema tokens of the servers (see `SchemaToken`): a fingerprint of each table's catalogue
entries, so that the step walk reflects again only the tables whose fingerprint changed, and not
at all where the whole schema's did not (the schema after a downgrade is most often the one
captured before the upgrade).

Reusing a reflection on an equal fingerprint is sound only if equal fingerprints mean equal
reflections, so a fingerprint holds everything reflection reads, and more where that is cheaper
than telling what it reads; more only costs a reflection.
- PostgreSQL: one catalogue query. Per table: each column's name, position, type (and, where it
  is a user-defined type, every enum's labels, domain's definition and composite's attributes),
  nullability, default, collation, identity with its sequence's bounds, generation; every
  constraint as `pg_get_constraintdef` writes it (keys, foreign keys with the referenced table,
  unique, check, exclusion); every index as `pg_get_indexdef` writes it; triggers and comments.
  The whole token adds the sequences (bounds and owners) and the user-defined types, which a
  capture keeps beside the tables.
- MariaDB and MySQL: each table's `SHOW CREATE TABLE` text, which is what SQLAlchemy's reflection
  parses (columns with their charsets, keys, foreign keys, checks, the storage engine), less the
  AUTO_INCREMENT counter, which is not schema; with the database's default charset and collation,
  against which a column's own are written. The tables are listed by one catalogue query.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import sqlalchemy

from migtest.capture.dialects import Name
from migtest.capture.sqlite_digests import SchemaToken

# Every user-defined type's definition in one digest (enums, domains, ranges, composites; not a
# table's own row type): a column of such a type is reflected with it.
_PG_USER_TYPES = """SELECT md5(coalesce(string_agg(row(n.nspname, t.typname, t.typtype,
    format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, t.typcollation, t.typelem,
    (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
    (SELECT array_agg(row(k.conname, pg_get_constraintdef(k.oid), k.convalidated) ORDER BY k.conname)
       FROM pg_constraint k WHERE k.contypid = t.oid),
    (SELECT array_agg(row(a.attname, format_type(a.atttypid, a.atttypmod), a.attcollation) ORDER BY a.attnum)
       FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT row(r.rngsubtype, r.rngcollation, r.rngsubopc) FROM pg_range r WHERE r.rngtypid = t.oid)
  )::text, ',' ORDER BY n.nspname, t.typname), '')) AS digest
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
  AND (t.typtype IN ('e', 'd', 'r', 'm')
       OR t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')"""

_PG_TABLES = """SELECT 'table', n.nspname, c.relname, md5(row(c.relkind, c.relpersistence, c.reloptions,
  c.relispartition, obj_description(c.oid, 'pg_class'),
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
  (SELECT array_agg(row(a.attname, format_type(a.atttypid, a.atttypmod), a.attndims, a.attnotnull,
      a.attcollation, a.attidentity, a.attgenerated, a.atthasdef, pg_get_expr(d.adbin, d.adrelid),
      col_description(c.oid, a.attnum),
      CASE WHEN a.atttypid >= 16384 THEN (SELECT digest FROM user_types) END,  -- not a built-in type
      (SELECT row(s.seqtypid, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
         FROM pg_depend p JOIN pg_sequence s ON s.seqrelid = p.objid
        WHERE p.classid = 'pg_class'::regclass AND p.refclassid = 'pg_class'::regclass
          AND p.refobjid = c.oid AND p.refobjsubid = a.attnum AND p.deptype = 'i')
    ) ORDER BY a.attnum)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT array_agg(row(k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred,
      k.convalidated, fn.nspname, f.relname) ORDER BY k.conname, k.contype)
     FROM pg_constraint k LEFT JOIN pg_class f ON f.oid = k.confrelid
     LEFT JOIN pg_namespace fn ON fn.oid = f.relnamespace
    WHERE k.conrelid = c.oid),
  (SELECT array_agg(row(x.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisunique, i.indisvalid,
      i.indimmediate, obj_description(i.indexrelid, 'pg_class')) ORDER BY x.relname)
     FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = c.oid),
  (SELECT array_agg(row(g.tgname, pg_get_triggerdef(g.oid), g.tgenabled) ORDER BY g.tgname)
     FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal)
)::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND n.nspname = ANY(%(schemas)s)"""

_PG_SEQUENCES = """SELECT 'sequence', n.nspname, c.relname, md5(row(s.seqtypid, s.seqstart, s.seqincrement, s.seqmax,
  s.seqmin, s.seqcache, s.seqcycle,
  (SELECT array_agg(row(p.deptype, o.relnamespace, o.relname, p.refobjsubid) ORDER BY p.deptype, o.relname)
     FROM pg_depend p JOIN pg_class o ON o.oid = p.refobjid
    WHERE p.classid = 'pg_class'::regclass AND p.objid = c.oid AND p.refclassid = 'pg_class'::regclass)
)::text)
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)"""

_POSTGRES = f"""WITH user_types AS ({_PG_USER_TYPES})
{_PG_TABLES}
UNION ALL {_PG_SEQUENCES}
UNION ALL SELECT 'types', NULL, NULL, digest FROM user_types
ORDER BY 1, 2, 3"""

_MYSQL_TABLES = """SELECT IF(t.TABLE_SCHEMA = DATABASE(), NULL, t.TABLE_SCHEMA), t.TABLE_NAME, t.TABLE_SCHEMA,
  s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME
FROM information_schema.TABLES t JOIN information_schema.SCHEMATA s ON s.SCHEMA_NAME = t.TABLE_SCHEMA
WHERE t.TABLE_TYPE = 'BASE TABLE' AND (t.TABLE_SCHEMA = DATABASE() OR t.TABLE_SCHEMA IN %s)
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME"""
_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=\d+(?=[^)]*\Z)")  # the table option, after the last `)`


def catalogue_token(connection: sqlalchemy.Connection, schemas: Iterable[str | None]) -> SchemaToken | None:
    """The token of the schemas' tables (None: the default schema), read in the connection's
    transaction; None where the server has no catalogue this reads (PostgreSQL before 12)."""
    engine = connection.dialect.name
    if engine in ("mysql", "mariadb"):
        return _mysql(connection, set(schemas))
    if engine == "postgresql" and connection.dialect.server_version_info >= (12,):
        return _postgres(connection, set(schemas))
    return None


def _token(entries: dict[str, str], *more: object) -> SchemaToken:
    whole = hashlib.sha256(repr((sorted(entries.items()), more)).encode()).hexdigest()
    return SchemaToken(whole, entries)


def _postgres(connection: sqlalchemy.Connection, schemas: set[str | None]) -> SchemaToken:
    default = connection.dialect.default_schema_name
    names = sorted(default if schema is None else schema for schema in schemas)
    rows = connection.exec_driver_sql(_POSTGRES, {"schemas": names}).all()
    tables = {
        Name(None if schema == default else schema, name).key: digest
        for kind, schema, name, digest in rows
        if kind == "table"
    }
    return _token(tables, [row for row in rows if row[0] != "table"])


def _mysql(connection: sqlalchemy.Connection, schemas: set[str | None]) -> SchemaToken:
    preparer = connection.dialect.identifier_preparer
    listed = connection.exec_driver_sql(_MYSQL_TABLES, (tuple(schemas - {None}) or ("",),)).all()
    tables = {}
    for schema, name, database, charset, collation in listed:
        source = f"{preparer.quote_schema(database)}.{preparer.quote(name)}"
        create = connection.exec_driver_sql(f"SHOW CREATE TABLE {source}").one()[1]  # quoted: `%` doubled
        text = repr((charset, collation, _AUTO_INCREMENT.sub("", create)))
        tables[Name(schema, name).key] = hashlib.sha256(text.encode()).hexdigest()
    return _token(tables)
