from migtest.config import MigrationsConfig
from migtest.migrators.bookkeeping import history_tables


def test_known_history_tables_match_as_engines_fold_names():
    tables = history_tables(MigrationsConfig(tool="command", upgrade="migrate {target}", tables=("App_History",)))

    # Liquibase writes upper case on MySQL, PostgreSQL folds unquoted names to lower case
    assert {"DATABASECHANGELOG", "databasechangelog", "__EFMigrationsHistory", "__efmigrationshistory"} <= tables
    assert {"App_History", "app_history", "APP_HISTORY", "alembic_version", "django_migrations"} <= tables
    assert "migrations" not in tables  # Laravel's and TypeORM's name is too common to assume
