"""The history tables migration tools keep for themselves: bookkeeping, not the application's data.

Whatever migrator runs a release (its own tool through `command`, or the app on start), the
database holds the tool's record of what ran. Comparing those rows as data fails every upgrade
(the recorded revision moves on purpose), so they are known here by default for every migrator
and `migrations.table` adds more. Names are each tool's default, as its documentation gives it.
"""

from __future__ import annotations

from migtest.config import MigrationsConfig

HISTORY_TABLES: dict[str, tuple[str, ...]] = {
    "migtest (sql)": ("migtest_schema_history",),
    "Alembic": ("alembic_version",),
    "Flyway": ("flyway_schema_history", "schema_version"),  # schema_version: before Flyway 5
    "Liquibase": ("databasechangelog", "databasechangeloglock"),
    "golang-migrate, dbmate, Rails, Ecto": ("schema_migrations",),
    "Rails": ("ar_internal_metadata",),
    "goose": ("goose_db_version",),
    "Django": ("django_migrations",),
    "South": ("south_migrationhistory",),
    "sqlalchemy-migrate": ("migrate_version",),
    "Knex": ("knex_migrations", "knex_migrations_lock"),
    "Entity Framework": ("__EFMigrationsHistory",),
    "Sequelize, Umzug": ("SequelizeMeta",),
    "node-pg-migrate": ("pgmigrations",),
    "MikroORM": ("mikro_orm_migrations",),
    "Prisma": ("_prisma_migrations",),
    "Diesel": ("__diesel_schema_migrations",),
    "sqlx": ("_sqlx_migrations",),
    "refinery": ("refinery_schema_history",),
    "SeaORM": ("seaql_migrations",),
    "Doctrine": ("doctrine_migration_versions",),
    "Phinx": ("phinxlog",),
    "Atlas": ("atlas_schema_revisions",),
    "yoyo": ("_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock"),
}


def history_tables(config: MigrationsConfig) -> frozenset[str]:
    """Every known history table plus those `migrations.table` names, each also in lower and upper
    case: engines fold unquoted names (PostgreSQL to lower case, Liquibase writes upper case on
    MySQL, MySQL with lower_case_table_names stores lower case)."""
    names = [name for tables in HISTORY_TABLES.values() for name in tables] + list(config.tables)
    return frozenset(variant for name in names for variant in (name, name.lower(), name.upper()))
