"""JupyterHub's database, driven the way JupyterHub itself does it (its alembic.ini is written
per URL by jupyterhub.dbutil): create (a new hub's first start), upgrade (`jupyterhub upgrade-db`,
then the hub's start, which creates the tables a release adds: its migrations only change the
tables that were there), downgrade, current."""

import logging
import sys

import alembic.command
import alembic.config
from alembic.runtime.migration import MigrationContext
from jupyterhub import orm
from jupyterhub.dbutil import _temp_alembic_ini, upgrade_if_needed
from sqlalchemy import create_engine

action, url = sys.argv[1], sys.argv[2]
if action == "create":
    orm.new_session_factory(url)
elif action == "upgrade":
    upgrade_if_needed(url, backup=False, log=logging.getLogger("upgrade-db"))
    orm.new_session_factory(url)
elif action == "downgrade":
    with _temp_alembic_ini(url) as ini:
        alembic.command.downgrade(alembic.config.Config(ini), sys.argv[3])
elif action == "current":
    with create_engine(url).connect() as connection:
        print(MigrationContext.configure(connection).get_current_revision())
