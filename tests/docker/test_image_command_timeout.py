"""`migrations.timeout` for a command run in a throw-away container of a version's image: the
container is stopped and removed when the limit fires, and the failure says which limit it was."""

from __future__ import annotations

from test_on_start import write_config


def test_an_image_command_that_runs_too_long_is_stopped(tmp_path, app_image, run_migtest, leftovers):
    config = write_config(
        tmp_path,
        ["1", "2"],
        app_image,
        migrations={"install": "sleep 300", "timeout": 3},
        app={"previous_release": "off"},
        matrix={"fresh": False, "downgrade": "none"},
        seed={"api": []},
    )

    outcome = run_migtest(config)

    install = outcome.check("upgrade-1-to-2", "install")
    assert install["status"] == "failed", outcome.output
    image = app_image("1")
    assert install["summary"] == (
        f"fresh install of 1 failed: migrations.install command in {image}: still running after 3s (migrations.timeout)"
    )
    assert leftovers() == {}
