"""pyargus.glue.load_config and Client.from_env: sources, precedence, checks, no token leaks."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

from pyargus.client import Client
from pyargus.exceptions import InsecureTokenWarning, InvalidArgumentError
from pyargus.glue import ArgusConfig, api_root, default_config_path, load_config

TOKEN = "s3cr3t-token-value"
TOML = """\
default_profile = "prod"

[profile.prod]
url = "https://argus.example.org"
token_file = "prod.token"
timeout = 20

[profile.lab]
url = "http://127.0.0.1:8000/api/v2/"
token = "lab-token"
timeout = [3, 30]
retries = 0
verify = false
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(TOML)
    (tmp_path / "config.toml").chmod(0o600)
    token = tmp_path / "prod.token"
    token.write_text("prod-token\n")
    token.chmod(0o600)
    return tmp_path


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("https://argus.example.org", "https://argus.example.org/api/v2/"),
        ("https://argus.example.org/", "https://argus.example.org/api/v2/"),
        ("https://argus.example.org/api", "https://argus.example.org/api/v2/"),
        ("https://argus.example.org/api/v2", "https://argus.example.org/api/v2/"),
        (" https://argus.example.org/api/v2/ ", "https://argus.example.org/api/v2/"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/v2/"),
        ("https://example.org/argus", "https://example.org/argus/api/v2/"),
        ("https://example.org/argus/api/v2/", "https://example.org/argus/api/v2/"),
    ],
)
def test_api_root_accepts_a_root_or_a_host(given: str, root: str) -> None:
    assert api_root(given) == root


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("https://argus.example.org/api/v1/", "410 Gone"),
        ("https://argus.example.org/api/v3", "not v3"),
        ("https://argus.example.org/api/v2/incidents/", "not an Argus API root"),
        ("argus.example.org", "http"),
        ("ftp://argus.example.org", "http"),
        ("https://user:pw@argus.example.org", "credentials"),
        ("https://argus.example.org/?x=1", "query"),
        ("", "URL string"),
        (None, "URL string"),
    ],
)
def test_api_root_refuses(given: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        api_root(given)


def test_environment_only() -> None:
    config = load_config(
        env={"ARGUS_URL": "https://argus.example.org", "ARGUS_TOKEN": TOKEN, "HOME": "/nonexistent"}
    )
    assert config.url == "https://argus.example.org/api/v2/"
    assert config.token == TOKEN
    assert (config.timeout, config.retries, config.verify) == (10.0, 2, True)
    assert config.profile is None
    assert config.sources == {
        "url": "env:ARGUS_URL",
        "token": "env:ARGUS_TOKEN",
        "timeout": "default",
        "retries": "default",
        "verify": "default",
    }


def test_the_token_is_in_no_repr_or_str() -> None:
    config = load_config(env={"ARGUS_URL": "https://a.example.org", "ARGUS_TOKEN": TOKEN})
    for text in (repr(config), str(config), repr(config.sources)):
        assert TOKEN not in text
    assert "ArgusConfig(url='https://a.example.org/api/v2/'" in repr(config)


def test_profile_file_default_profile_and_relative_token_file(config_dir: Path) -> None:
    config = load_config(config_dir / "config.toml", env={})
    assert config.profile == "prod"
    assert config.url == "https://argus.example.org/api/v2/"
    assert config.token == "prod-token"
    assert config.timeout == 20.0
    where = f"file:{config_dir / 'config.toml'}[prod]"
    assert config.sources["url"] == where
    assert config.sources["token"] == where
    assert config.sources["retries"] == "default"


def test_profile_by_argument_and_by_environment(config_dir: Path) -> None:
    lab = load_config(config_dir / "config.toml", profile="lab", env={})
    assert (lab.url, lab.token, lab.timeout, lab.retries, lab.verify) == (
        "http://127.0.0.1:8000/api/v2/",
        "lab-token",
        (3.0, 30.0),
        0,
        False,
    )
    env = {"ARGUS_CONFIG": str(config_dir / "config.toml"), "ARGUS_PROFILE": "lab"}
    assert load_config(env=env).profile == "lab"
    assert load_config(env=env, profile="prod").profile == "prod"  # the argument wins


def test_default_path_is_under_xdg_config_home(config_dir: Path, tmp_path: Path) -> None:
    (config_dir / "argus").mkdir()
    (config_dir / "config.toml").rename(config_dir / "argus" / "config.toml")
    (config_dir / "prod.token").rename(config_dir / "argus" / "prod.token")
    env = {"XDG_CONFIG_HOME": str(config_dir)}
    assert default_config_path(env) == config_dir / "argus" / "config.toml"
    assert load_config(env=env).token == "prod-token"


def test_precedence_overrides_env_section_file(config_dir: Path) -> None:
    file = config_dir / "config.toml"
    section = {"timeout": 7, "retries": 4, "url": "https://section.example.org", "other": "x"}
    env = {"ARGUS_URL": "https://env.example.org", "ARGUS_TIMEOUT": "5"}
    config = load_config(file, env=env, section=section, timeout=3, retries=None)
    assert config.url == "https://env.example.org/api/v2/"
    assert config.timeout == 3.0
    assert config.retries == 4
    assert config.token == "prod-token"  # only the file has one
    assert config.sources["timeout"] == "override"
    assert config.sources["url"] == "env:ARGUS_URL"
    assert config.sources["retries"] == "section"
    without_override = load_config(file, env=env, section=section)
    assert without_override.timeout == 5.0


def test_the_first_source_that_names_a_token_gives_it(config_dir: Path) -> None:
    token_file = config_dir / "env.token"
    token_file.write_text("env-file-token")
    token_file.chmod(0o600)
    env = {"ARGUS_TOKEN_FILE": str(token_file)}
    config = load_config(config_dir / "config.toml", env=env, section={"token": "section-token"})
    assert config.token == "env-file-token"
    assert config.sources["token"] == "env:ARGUS_TOKEN_FILE"
    assert load_config(config_dir / "config.toml", env={}, token="t").token == "t"


def test_two_tokens_in_one_source_are_refused() -> None:
    env = {"ARGUS_URL": "https://a.example.org", "ARGUS_TOKEN": TOKEN, "ARGUS_TOKEN_FILE": "/x"}
    with pytest.raises(InvalidArgumentError, match="more than one token") as info:
        load_config(env=env)
    assert TOKEN not in str(info.value)


def test_other_prefix_and_hyphenated_section_keys(tmp_path: Path) -> None:
    token_file = tmp_path / "t"
    token_file.write_text("file-token")
    token_file.chmod(0o600)
    config = load_config(
        env={"NAV_ARGUS_URL": "https://a.example.org", "ARGUS_URL": "https://b.example.org"},
        prefix="NAV_ARGUS_",
        section={"token-file": str(token_file)},
    )
    assert config.url == "https://a.example.org/api/v2/"
    assert config.token == "file-token"


def test_token_command_runs_without_a_shell() -> None:
    command = [sys.executable, "-c", "print('command-token')"]
    config = load_config(env={"ARGUS_URL": "https://a.example.org"}, token_command=command)
    assert config.token == "command-token"
    text = f"{sys.executable} -c \"print('cmd-2')\""
    assert (
        load_config(env={"ARGUS_URL": "https://a.example.org"}, token_command=text).token == "cmd-2"
    )


def test_a_failing_token_command_does_not_show_its_output() -> None:
    command = [sys.executable, "-c", f"import sys; print('{TOKEN}'); sys.exit(3)"]
    with pytest.raises(InvalidArgumentError, match="exit status 3") as info:
        load_config(env={"ARGUS_URL": "https://a.example.org"}, token_command=command)
    assert TOKEN not in str(info.value)
    with pytest.raises(InvalidArgumentError, match="printed nothing"):
        load_config(
            env={"ARGUS_URL": "https://a.example.org"},
            token_command=[sys.executable, "-c", "pass"],
        )


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_token_file_others_can_read_warns(tmp_path: Path) -> None:
    token_file = tmp_path / "t"
    token_file.write_text(TOKEN)
    token_file.chmod(0o644)
    with pytest.warns(InsecureTokenWarning, match="chmod 600") as record:
        load_config(env={"ARGUS_URL": "https://a.example.org", "ARGUS_TOKEN_FILE": str(token_file)})
    assert all(TOKEN not in str(w.message) for w in record)
    token_file.chmod(0o600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(env={"ARGUS_URL": "https://a.example.org", "ARGUS_TOKEN_FILE": str(token_file)})


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_config_file_holding_a_token_that_others_can_read_warns(config_dir: Path) -> None:
    (config_dir / "config.toml").chmod(0o644)
    with pytest.warns(InsecureTokenWarning, match="config file holds a token"):
        load_config(config_dir / "config.toml", profile="lab", env={})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ARGUS_TOKEN": TOKEN}, "no Argus URL: set ARGUS_URL"),
        ({"ARGUS_URL": "https://a.example.org"}, "no Argus token: set ARGUS_TOKEN"),
        (
            {"ARGUS_URL": "https://a.example.org/api/v1/", "ARGUS_TOKEN": TOKEN},
            r"url \(env:ARGUS_URL\).*410",
        ),
        (
            {"ARGUS_URL": "https://a.example.org", "ARGUS_TOKEN": "a b"},
            r"token \(env:ARGUS_TOKEN\)",
        ),
        (
            {"ARGUS_URL": "https://a", "ARGUS_TOKEN": TOKEN, "ARGUS_TIMEOUT": "soon"},
            r"timeout \(env:ARGUS_TIMEOUT\)",
        ),
        ({"ARGUS_URL": "https://a", "ARGUS_TOKEN": TOKEN, "ARGUS_TIMEOUT": "-1"}, "positive"),
        ({"ARGUS_URL": "https://a", "ARGUS_TOKEN": TOKEN, "ARGUS_TIMEOUT": "1,2,3"}, "pair"),
        ({"ARGUS_URL": "https://a", "ARGUS_TOKEN": TOKEN, "ARGUS_RETRIES": "-1"}, "retries"),
        (
            {"ARGUS_URL": "https://a", "ARGUS_TOKEN": TOKEN, "ARGUS_VERIFY": "/no/such/ca.pem"},
            "no CA bundle",
        ),
        (
            {"ARGUS_URL": "https://a", "ARGUS_TOKEN_FILE": "/no/such/token"},
            "cannot read /no/such/token",
        ),
        (
            {"ARGUS_URL": "https://a", "ARGUS_TOKEN": TOKEN, "ARGUS_CONFIG": "/no/such.toml"},
            "no Argus config file",
        ),
        (
            {
                "ARGUS_URL": "https://a",
                "ARGUS_TOKEN": TOKEN,
                "ARGUS_PROFILE": "x",
                "HOME": "/nonexistent",
                "XDG_CONFIG_HOME": "/nonexistent",
            },
            "profile 'x'",
        ),
    ],
)
def test_bad_or_missing_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message) as info:
        load_config(env=env)
    assert TOKEN not in str(info.value)


def test_verify_takes_booleans_and_a_ca_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"ARGUS_URL": "https://a.example.org", "ARGUS_TOKEN": TOKEN}
    assert load_config(env={**env, "ARGUS_VERIFY": "false"}).verify is False
    assert load_config(env={**env, "ARGUS_VERIFY": "yes"}).verify is True
    assert load_config(env={**env, "ARGUS_VERIFY": str(bundle)}).verify == str(bundle)
    with pytest.raises(InvalidArgumentError, match="verify"):
        load_config(env=env, verify=3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("url = 'x'\n", "unknown top-level keys url"),
        ("[profile.a]\nurl = 'https://a'\ntoken = 't'\ntimeuot = 3\n", "unknown keys timeuot"),
        (
            "default_profile = 'b'\n[profile.a]\nurl = 'https://a'\n",
            "default_profile 'b' is not a profile",
        ),
        ("[profile]\na = 1\n", "must be tables"),
        ("[profile.a\n", "not valid TOML"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "config.toml"
    file.write_text(text)
    file.chmod(0o600)
    with pytest.raises(InvalidArgumentError, match=message):
        load_config(file, profile="a" if "default_profile" not in text else None, env={})


def test_unknown_profile_lists_the_known_ones(config_dir: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"no profile 'staging' \(profiles: lab, prod\)"):
        load_config(config_dir / "config.toml", profile="staging", env={})


def test_no_default_profile_means_no_profile(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text("[profile.a]\nurl = 'https://a.example.org'\n")
    config = load_config(file, env={"ARGUS_URL": "https://b.example.org", "ARGUS_TOKEN": TOKEN})
    assert config.profile is None
    assert config.url == "https://b.example.org/api/v2/"


def test_unknown_override_and_bad_section() -> None:
    with pytest.raises(InvalidArgumentError, match="unknown settings tiemout"):
        load_config(env={}, tiemout=3)
    with pytest.raises(InvalidArgumentError, match="section must be a mapping"):
        load_config(env={}, section=["url"])  # type: ignore[arg-type]


def test_config_client_and_client_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ArgusConfig(
        url="http://127.0.0.1:8000/api/v2/", token=TOKEN, timeout=(2, 20), retries=0
    )
    with config.client() as client:
        transport = client.api.transport
        assert (transport.timeout, transport.retry.attempts) == ((2.0, 20.0), 1)
    with config.client(timeout=4) as client:
        assert client.api.transport.timeout == (4.0, 4.0)

    class MyClient(Client):
        pass

    monkeypatch.setenv("ARGUS_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("ARGUS_TOKEN", TOKEN)
    monkeypatch.setenv("ARGUS_CONFIG", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent")
    with Client.from_env(retries=5) as client:
        assert type(client) is Client
        assert client.api_root_url == "http://127.0.0.1:8000/api/v2/"
        assert client.api.transport.retry.attempts == 6
    with MyClient.from_env() as client:
        assert type(client) is MyClient
