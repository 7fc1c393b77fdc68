from datetime import datetime, timedelta, timezone

import pytest

from pyargus import checks
from pyargus.exceptions import InvalidArgumentError
from pyargus.models import INFINITY, STATELESS, Event, Incident

OSLO = timezone(timedelta(hours=1))
START = datetime(2026, 1, 1, 12, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("https://argus.example.org/api/v2", "https://argus.example.org/api/v2/"),
        ("https://argus.example.org/api/v2/", "https://argus.example.org/api/v2/"),
        (" http://127.0.0.1:8000/api/v2 ", "http://127.0.0.1:8000/api/v2/"),
    ],
)
def test_api_root_url_is_normalized(given, root):
    assert checks.api_root_url(given) == root


@pytest.mark.parametrize(
    "bad",
    [
        "",
        None,
        "argus.example.org/api/v2",
        "ftp://h/api/v2",
        "https:///api/v2",
        "https://h/api/v2/?x=1",
        "https://u:p@h/api/v2/",
    ],
)
def test_bad_api_root_urls(bad):
    with pytest.raises(InvalidArgumentError, match="api_root_url"):
        checks.api_root_url(bad)


@pytest.mark.parametrize("bad", ["", None, 123, "abc def", "abc\n", "tøken"])
def test_bad_tokens_are_rejected_without_echoing_them(bad):
    with pytest.raises(InvalidArgumentError) as info:
        checks.token(bad)
    if isinstance(bad, str) and bad:
        assert bad not in str(info.value)


@pytest.mark.parametrize(("given", "pk"), [(5, 5), (Incident(pk=7), 7)])
def test_incident_pk(given, pk):
    assert checks.incident_pk(given) == pk


@pytest.mark.parametrize("bad", [Incident(), True, "5", 5.0, 0, -1, None])
def test_bad_incident_pk(bad):
    with pytest.raises(InvalidArgumentError):
        checks.incident_pk(bad)


class TestNewIncident:
    def test_valid(self):
        incident = Incident(start_time=START, end_time=INFINITY, level=1, source_incident_id=3)
        assert checks.new_incident(incident) is incident

    @pytest.mark.parametrize(
        ("incident", "message"),
        [
            (Incident(), "start_time is required"),
            (Incident(start_time="2026-01-01"), "start_time must be a datetime"),
            (Incident(start_time=START, end_time="infinity"), "end_time must be a datetime"),
            (
                Incident(start_time=START, end_time=START - timedelta(seconds=1)),
                "before start_time",
            ),
            (Incident(start_time=START, source_incident_id=1.5), "source_incident_id"),
            (Incident(start_time=START, description=3), "description must be a string"),
        ],
    )
    def test_invalid(self, incident, message):
        with pytest.raises(InvalidArgumentError, match=message):
            checks.new_incident(incident)

    def test_level_changed_after_construction_is_checked(self):
        incident = Incident(start_time=START)
        incident.level = 9
        with pytest.raises(InvalidArgumentError, match="level"):
            checks.new_incident(incident)

    def test_naive_and_aware_times_compare(self):
        checks.new_incident(
            Incident(start_time=datetime(2026, 1, 1), end_time=datetime(2026, 1, 2, tzinfo=OSLO))
        )
        checks.new_incident(Incident(start_time=START, end_time=STATELESS))

    def test_not_an_incident(self):
        with pytest.raises(InvalidArgumentError, match="expected an Incident"):
            checks.new_incident({"start_time": START})


class TestUpdateChanges:
    def test_caller_built(self):
        assert checks.update_changes(Incident(pk=3, level=2)) == (3, {"level": 2})

    def test_read_only_fields_of_caller_built_incidents_are_refused(self):
        with pytest.raises(InvalidArgumentError, match="cannot change end_time"):
            checks.update_changes(Incident(pk=3, end_time=START))

    def test_needs_pk(self):
        with pytest.raises(InvalidArgumentError, match="no pk"):
            checks.update_changes(Incident(level=2))

    def test_bad_changed_level(self):
        incident = Incident(pk=1)
        incident.level = 0
        with pytest.raises(InvalidArgumentError):
            checks.update_changes(incident)


class TestNewEvent:
    def test_valid(self):
        assert checks.new_event(Event(type="OTH")).type == "OTH"

    @pytest.mark.parametrize(
        "event",
        [
            Event(),
            Event(type="XXX"),
            Event(type="END", timestamp="now"),
            Event(type="END", description=1),
        ],
    )
    def test_invalid(self, event):
        with pytest.raises(InvalidArgumentError):
            checks.new_event(event)

    def test_not_an_event(self):
        with pytest.raises(InvalidArgumentError):
            checks.new_event({"type": "END"})


@pytest.mark.parametrize(
    ("given", "advice"),
    [
        ("http://127.0.0.1:8000", "use http://127.0.0.1:8000/api/v2/ if Argus is served at "),
        ("https://h.example.org/argus/", "use https://h.example.org/argus/api/v2/ if Argus is"),
        (
            "https://h.example.org/api/v2/incidents/",
            "use https://h.example.org/api/v2/ (pyargus adds the endpoint paths such as "
            "incidents/ itself)",
        ),
        ("https://h.example.org/api/v2/incidents/mine", "use https://h.example.org/api/v2/ ("),
        ("https://h.example.org/api", "use https://h.example.org/api/v2/"),
        ("https://h.example.org/api/v1/", "use https://h.example.org/api/v2/ (pyargus speaks"),
        ("https://h.example.org/x/api/v3", "use https://h.example.org/x/api/v2/ (pyargus speaks"),
    ],
)
def test_an_api_root_url_must_end_in_api_v2(given, advice):
    with pytest.raises(InvalidArgumentError) as info:
        checks.api_root_url(given)
    message = str(info.value)
    assert message.startswith(
        f"api_root_url {checks_root(given)!r} does not look like an Argus API root, which ends "
        "in /api/v2/: "
    )
    assert advice in message


def checks_root(url):
    return url if url.endswith("/") else url + "/"


@pytest.mark.parametrize("prefix", ["Token", "token", "Bearer"])
def test_a_pasted_authorization_prefix_is_named(prefix):
    secret = "9dfa40ff2be24db21f0d2b20128b5c3e"
    with pytest.raises(InvalidArgumentError) as info:
        checks.token(f"{prefix} {secret}")
    assert str(info.value) == (
        f"token starts with {prefix!r}: give the key alone, without the {prefix!r} prefix "
        "(pyargus sends the 'Authorization: Token ...' header itself)"
    )
    assert secret not in str(info.value)


def test_pk_messages_use_the_right_article():
    with pytest.raises(InvalidArgumentError, match=r"^not an incident or incident pk: 'x'$"):
        checks.incident_pk("x")
    with pytest.raises(InvalidArgumentError, match=r"^not a user or user pk: True$"):
        checks.user_pk(True)
