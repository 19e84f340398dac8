"""`migrations.install` and `migrations.current` for versions that are images: each runs in a
throw-away container of the version's image, the way `migrations.downgrade` does. Without
`migrations.table`, the app's alembic_version is still bookkeeping, not data."""

from __future__ import annotations

import yaml
from test_on_start import write_config

from migtest.cli import EXIT_OK


def test_install_and_current_run_in_throwaway_containers_of_the_image(tmp_path, app_image, run_migtest, leftovers):
    # Release "crash" dies when started (it needs a SECRET_KEY nobody gives it), so starting it
    # cannot install it; its own migration command in a container of its image can.
    config = write_config(
        tmp_path,
        ["crash", "2"],
        app_image,
        migrations={"install": "python3 -m app.migrate upgrade head", "current": "python3 -m app.migrate current"},
        app={"previous_release": "off"},
        matrix={"fresh": False, "downgrade": "none"},
        seed={"api": []},
    )
    settings = yaml.safe_load(config.read_text())
    del settings["migrations"]["table"]  # the revision comes from the current command alone
    config.write_text(yaml.safe_dump(settings, sort_keys=False))

    outcome = run_migtest(config)

    assert outcome.exit_code == EXIT_OK, outcome.output
    phases = {phase["name"]: phase for phase in outcome.scenario("upgrade-crash-to-2")["phases"]}
    assert phases["install crash (fresh, reused for the run)"]["detail"] == "at revision r1_items"
    assert outcome.check("upgrade-crash-to-2", "migration")["summary"] == "ended at revision r2_price_cents"
    rows = outcome.check("upgrade-crash-to-2", "rows")
    assert (rows["status"], rows["evidence"]) == ("passed", ["bookkeeping, not compared as data: alembic_version"])
    assert leftovers() == {}
