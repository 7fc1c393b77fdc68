"""The cached environment settings are always what requests itself would give."""

import os
import types

import pytest
import requests

from pyargus import _session
from pyargus.transport import Transport

from .conftest import API, TOKEN

URLS = ["http://127.0.0.1:8000/api/v2/incidents/", "https://argus.example.org/api/v2/x/?a=1"]
ENVIRONMENTS = [
    {},
    {"HTTP_PROXY": "http://proxy:3128", "https_proxy": "http://sproxy:3128"},
    {"http_proxy": "http://proxy:3128", "NO_PROXY": "127.0.0.1,localhost"},
    {"ALL_PROXY": "socks5://s:1080", "no_proxy": "example.org"},
    {"HTTP_PROXY": "http://proxy:3128", "REQUEST_METHOD": "GET"},
    {"REQUESTS_CA_BUNDLE": "/ca.pem"},
    {"CURL_CA_BUNDLE": "/curl.pem", "Ftp_Proxy": "http://ftp:21"},
]


@pytest.fixture
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name in _session._EXTRA_VARIABLES:
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("verify", [None, True, False, "/mine.pem"])
def test_settings_are_requests_own(clean_environment, environment, url, verify):
    for name, value in environment.items():
        clean_environment.setenv(name, value)
    cached = _session.Session()
    for _ in range(2):  # computed, then from the cache
        got = cached.merge_environment_settings(url, {}, None, verify, None)
        assert got == requests.Session().merge_environment_settings(url, {}, None, verify, None)


def test_a_changed_environment_is_seen(clean_environment):
    session = _session.Session()
    url = URLS[0]
    assert session.merge_environment_settings(url, {}, None, None, None)["proxies"] == {}
    clean_environment.setenv("HTTP_PROXY", "http://proxy:3128")
    assert session.merge_environment_settings(url, {}, None, None, None)["proxies"] == {
        "http": "http://proxy:3128"
    }
    clean_environment.setenv("NO_PROXY", "127.0.0.1")  # bypassed again
    assert session.merge_environment_settings(url, {}, None, None, None)["proxies"] == {}
    clean_environment.setenv("REQUESTS_CA_BUNDLE", "/ca.pem")
    assert session.merge_environment_settings(url, {}, None, True, None)["verify"] == "/ca.pem"


def test_session_settings_and_arguments_are_part_of_the_key(clean_environment):
    session = _session.Session()
    url = URLS[0]
    first = session.merge_environment_settings(url, {}, None, None, None)
    first["proxies"]["http"] = "changed by a caller"  # the cache keeps its own copy
    session.proxies = {"http": "http://session-proxy:1"}
    session.verify = "/session.pem"
    got = session.merge_environment_settings(url, {"https": "http://p:2"}, True, None, ("c", "k"))
    assert got == {
        "proxies": {"https": "http://p:2", "http": "http://session-proxy:1"},
        "stream": True,
        "verify": "/session.pem",
        "cert": ("c", "k"),
    }
    session.proxies = {}
    session.verify = True
    assert session.merge_environment_settings(url, {}, None, None, None)["proxies"] == {}


def test_no_cache_without_trust_env_or_with_system_proxy_settings(clean_environment, monkeypatch):
    session = _session.Session()
    session.trust_env = False
    clean_environment.setenv("HTTP_PROXY", "http://proxy:3128")
    assert session.merge_environment_settings(URLS[0], {}, None, None, None)["proxies"] == {}
    session.trust_env = True
    monkeypatch.setattr(_session.urllib.request, "getproxies", lambda: {"http": "http://sys:1"})
    session.merge_environment_settings(URLS[0], {}, None, None, None)
    assert session._environment_settings == {}
    session.merge_environment_settings(URLS[0], {}, None, {"un": "hashable"}, None)


def test_the_cache_is_bounded(clean_environment, monkeypatch):
    monkeypatch.setattr(_session, "_MAX_ENTRIES", 3)
    session = _session.Session()
    for port in range(10):
        session.merge_environment_settings(f"http://h:{port}/", {}, None, None, None)
    assert len(session._environment_settings) <= 3


def test_the_environment_key_without_raw_bytes(monkeypatch):
    environ = {"HTTPS_PROXY": "http://p:1", "PATH": "/bin", "CURL_CA_BUNDLE": "/c.pem"}
    monkeypatch.setattr(_session, "os", types.SimpleNamespace(environ=environ))
    assert _session.environment_key() == (
        ("HTTPS_PROXY", "http://p:1"),
        ("CURL_CA_BUNDLE", "/c.pem"),
    )


def test_transport_uses_it_only_for_its_own_session():
    assert isinstance(Transport(API, TOKEN).session, _session.Session)
    mine = requests.Session()
    assert Transport(API, TOKEN, session=mine).session is mine
