"""marshmallow's slow import-time regex is compiled on first use, and behaves the same."""

import pickle
import re
import subprocess
import sys
import textwrap

import pytest

from pyargus import _marshmallow_import
from pyargus._marshmallow_import import LazyPattern


def run_fresh(code: str) -> str:
    """Run *code* in a new interpreter (marshmallow not imported yet); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_importing_pyargus_defers_the_email_domain_regex():
    out = run_fresh(
        """
        import re, sys
        import pyargus.client
        pyargus.client.Client("http://127.0.0.1:9/api/v2/", "token")
        from marshmallow import ValidationError, validate
        from pyargus._marshmallow_import import LazyPattern, _finder

        domain = validate.Email.DOMAIN_REGEX
        print(type(domain).__name__, domain._pattern is None)
        print(type(validate.Email.USER_REGEX).__name__)
        print(_finder in sys.meta_path, re.compile.__module__)
        email = validate.Email()
        print(email("someone@example.org"))
        for bad in ("someone@", "a@b", "a@-x.org"):
            try:
                email(bad)
            except ValidationError:
                print("invalid", bad)
        print(domain._pattern is not None)
        """
    )
    assert out.splitlines() == [
        "LazyPattern True",
        "Pattern",
        "False re",
        "someone@example.org",
        "invalid someone@",
        "invalid a@b",
        "invalid a@-x.org",
        "True",
    ]


def test_nothing_changes_when_marshmallow_was_imported_first():
    out = run_fresh(
        """
        import sys
        import marshmallow.validate
        import pyargus
        from pyargus._marshmallow_import import _finder
        print(type(marshmallow.validate.Email.DOMAIN_REGEX).__name__, _finder in sys.meta_path)
        """
    )
    assert out.split() == ["Pattern", "False"]


def test_the_hook_ignores_other_modules_and_uninstalls():
    finder = _marshmallow_import._finder
    assert finder.find_spec("json") is None
    _marshmallow_import.uninstall()
    _marshmallow_import.uninstall()  # twice is fine
    assert finder not in sys.meta_path


def test_lazy_pattern_is_the_pattern_once_used():
    lazy = LazyPattern(r"[a-zé]+\Z", re.IGNORECASE)
    assert lazy._pattern is None
    assert "LazyPattern" in repr(lazy)
    assert lazy.match("ÉtÉ").group() == "ÉtÉ"
    assert lazy.pattern == r"[a-zé]+\Z"
    assert lazy.flags & re.IGNORECASE
    assert lazy.compiled() is lazy._pattern
    assert pickle.loads(pickle.dumps(lazy)) == re.compile(r"[a-zé]+\Z", re.IGNORECASE)
    with pytest.raises(AttributeError):
        lazy.__isabstractmethod__  # noqa: B018 - must not compile or exist


def test_only_slow_patterns_are_deferred():
    with _marshmallow_import._lazy_slow_patterns():
        slow = re.compile("[\u00a1-\uffff]+", re.IGNORECASE)
        fast = re.compile("[\u00a1-\uffff]+")
        ascii_ = re.compile("[a-z]+", re.IGNORECASE)
    assert re.compile is _marshmallow_import._compile
    assert isinstance(slow, LazyPattern)
    assert isinstance(fast, re.Pattern)
    assert isinstance(ascii_, re.Pattern)


def test_the_hook_loads_marshmallow_validate_in_process(monkeypatch):
    import marshmallow
    import marshmallow.validate

    monkeypatch.delitem(sys.modules, "marshmallow.validate")
    monkeypatch.setattr(marshmallow, "validate", marshmallow.validate)  # restored afterwards
    _marshmallow_import.install()
    try:
        import importlib

        fresh = importlib.import_module("marshmallow.validate")
    finally:
        _marshmallow_import.uninstall()
    assert isinstance(fresh.Email.DOMAIN_REGEX, LazyPattern)
    assert isinstance(fresh.__loader__, _marshmallow_import._Loader)
    assert fresh.__loader__.get_source("marshmallow.validate")  # delegated
    assert fresh.Email()("a@example.org") == "a@example.org"
    assert re.compile is _marshmallow_import._compile
