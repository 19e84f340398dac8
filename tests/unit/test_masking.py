"""The masking rule: a secret is hidden where it stands as a whole token, in every form it takes,
and a password where it stands whatever it is; short secrets do not eat unrelated text."""

from __future__ import annotations

import json
import urllib.parse

import pytest
import yaml
from sqlalchemy.engine import make_url

from migtest import masking
from migtest.cli import main
from migtest.config import load_config
from migtest.config.urls import url_forms
from migtest.errors import ConfigError
from migtest.masking import mask, register_secret, register_url_password

AT_PASSWORD = "p@ss:w/rd#x?y%z 'q\"!"
BASE = {
    "migrations": {"tool": "sql", "dir": "migrations"},
    "versions": [{"name": "1.0", "revision": "1"}],
}


def load(tmp_path, url: str):
    (tmp_path / "migrations").mkdir(exist_ok=True)
    path = tmp_path / "migtest.yml"
    path.write_text(yaml.safe_dump({**BASE, "database": {"engine": "postgres", "url": url}}))
    return load_config(str(path))


def test_a_short_password_does_not_mask_unrelated_text():
    register_url_password("postgresql://app:b@db/shop")
    message = "key 'database.url': cannot log in to postgresql://app:{}@db/shop as app: table b, column 'b'"
    assert mask(message.format("b")) == message.format("***")
    assert masking._secrets == set()


def test_a_password_after_its_key_is_masked_whatever_it_is():
    text = "dsn password={} host=db; PGPASSWORD={} MYSQL_ROOT_PASSWORD={} a.password={} mysql --password={}"
    assert mask(text.format("b", "'x y'", '"z"', "pw", "pw")) == text.format(*["***"] * 5)
    assert mask("url.render_as_string(hide_password=False)") == "url.render_as_string(hide_password=False)"


def test_a_word_password_masks_the_word_not_words_containing_it():
    register_secret("postgres")
    text = "postgresql+psycopg://app:postgres@db/x engine postgres_like; PGPASSWORD='postgres' postgres"
    assert mask(text) == "postgresql+psycopg://app:***@db/x engine postgres_like; PGPASSWORD=*** ***"


@pytest.mark.parametrize(
    "line",
    [
        "login failed with secret42 for app",
        "psql 'password=secret42 host=db'",
        'payload {"password": "secret42"}',
        "token=secret42&next=1",
        "from the environment: SECRET=secret42",
        "quoted 'secret42', double \"secret42\", (secret42).",
    ],
)
def test_a_real_leak_is_masked_as_a_whole_token(line):
    register_secret("secret42")
    assert "secret42" not in mask(line)


def test_a_token_after_an_escape_is_still_a_whole_token():
    """In results.json a line break before the secret is `\\n`, its `n` a letter; in a URL `%20`."""
    register_secret("secret42")
    shown = mask(json.dumps({"log": "first line\nsecret42\tlast \u2019secret42"}))
    assert shown == '{"log": "first line\\n***\\tlast \\u2019***"}'
    assert mask("q=hello%20secret42") == "q=hello%20***"


def test_a_long_secret_is_masked_even_glued_to_a_word():
    token = "a1b2c3d4e5f6g7h8i9"
    register_secret(token)
    assert mask(f"mysql -uroot -p{token}") == "mysql -uroot -p***"
    register_secret("short1")
    assert mask("xshort1 -pshort1") == "xshort1 -pshort1"


def test_every_form_of_a_password_with_url_delimiters_is_masked():
    register_secret(AT_PASSWORD)
    encoded = urllib.parse.quote(AT_PASSWORD, safe="")
    url = f"postgresql+psycopg://app:{encoded}@db:5432/shop"
    shown = [
        AT_PASSWORD,
        encoded,
        urllib.parse.quote_plus(AT_PASSWORD),
        json.dumps(AT_PASSWORD),
        "password='" + AT_PASSWORD.replace("'", "\\'") + "'",
        *url_forms(url).values(),
    ]
    for text in shown:
        assert AT_PASSWORD not in mask(text) and encoded not in mask(text), text
        for fragment in ("ss:w", "ss%3Aw", "rd#x", "rd%23x", "q%22"):
            assert fragment not in mask(text), text


def test_the_password_of_any_url_is_masked_up_to_the_last_at_before_the_host():
    assert (
        mask("see postgresql://app:p@ss@db/shop?x=1 and mysql://:pw@h")
        == "see postgresql://app:***@db/shop?x=1 and mysql://:***@h"
    )


def test_a_variable_that_is_the_whole_password_is_encoded_and_masked_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGTEST_PW", AT_PASSWORD)
    monkeypatch.setenv("MIGTEST_USER", "app@azure-server")
    config = load(tmp_path, "postgresql://${MIGTEST_USER}:${MIGTEST_PW}@db:5432/shop")
    parsed = make_url(config.database.url)
    assert (parsed.username, parsed.password, parsed.host) == ("app@azure-server", AT_PASSWORD, "db")
    assert mask(f"{AT_PASSWORD} {config.database.url}") == "*** postgresql://app%40azure-server:***@db:5432/shop"
    assert mask("app@azure-server") == "app@azure-server"


def test_a_variable_inside_the_password_is_masked_whole_and_an_unencoded_at_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGTEST_PW", "Zq9@Xv7k")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "postgresql://app:pre${MIGTEST_PW}@db/shop")
    message = mask(str(caught.value))
    assert "key 'database.url': has more than one '@'" in message
    assert "urllib.parse.quote(getpass.getpass(), safe='')" in message and "(user:${PASSWORD}@host)" in message
    assert "Zq9" not in message and "Xv7k" not in message
    assert mask("login Zq9@Xv7k failed") == "login *** failed"


@pytest.mark.parametrize("url", ["postgresql://app:p@ss@db/shop", "${MIGTEST_URL}"])
def test_an_unencoded_at_in_a_whole_url_is_refused_without_showing_it(tmp_path, monkeypatch, url):
    monkeypatch.setenv("MIGTEST_URL", "postgresql://app:p@ss@db/shop")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, url)
    assert "has more than one '@'" in str(caught.value) and "ss@db" not in str(caught.value)


def test_an_encoded_url_and_other_variables_are_taken_as_written(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGTEST_HOST", "db.internal")
    config = load(tmp_path, "postgresql://app:p%40ss@${MIGTEST_HOST}:5432/shop")
    assert config.database.url == "postgresql://app:p%40ss@db.internal:5432/shop"
    assert mask("db.internal p@ss") == "db.internal ***"


def test_a_url_quoted_by_a_command_line_error_is_masked(capsys):
    with pytest.raises(SystemExit):
        main(["plan", "--database-url", "postgresql://app:p@ss@db/shop"])
    error = capsys.readouterr().err
    assert "unrecognized arguments: --database-url postgresql://app:***@db/shop" in error
