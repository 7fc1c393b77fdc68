from datetime import datetime, timedelta, timezone

import pytest

from pyargus.exceptions import InvalidArgumentError, InvalidTagError
from pyargus.models import Incident, Tags
from pyargus.params import encode_filters, encode_tags_filter, encode_value

OSLO = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "true"),
        (False, "false"),
        ("lab-1", "lab-1"),
        (42, "42"),
        (1.5, "1.5"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=OSLO), "2026-01-02T03:04:05+01:00"),
        (["nav", "zabbix"], "nav,zabbix"),
        (("a", 1, True), "a,1,true"),
        ({"b", "a"}, "a,b"),
        (Incident(pk=7), "7"),
    ],
)
def test_encode_value(value, expected):
    assert encode_value(value) == expected


def test_incident_without_pk_cannot_be_a_value():
    with pytest.raises(InvalidArgumentError):
        encode_value(Incident())


def test_filters_pass_through_by_name_and_drop_none():
    assert encode_filters(
        {
            "open": True,
            "acked": False,
            "source__name__in": ["nav"],
            "level__lte": None,
            "page_size": 3,
        }
    ) == {"open": "true", "acked": "false", "source__name__in": "nav", "page_size": "3"}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("host=a", "host=a"),
        (["host=a", "host=b"], "host=a,host=b"),
        ({"host": "a", "svc": "x"}, "host=a,svc=x"),
        ([("host", "a"), ("host", "b")], "host=a,host=b"),
        (Tags(org=["x", "y"]), "org=x,org=y"),
        ({"port": 22}, "port=22"),
    ],
)
def test_tags_filter_is_one_comma_joined_value(tags, expected):
    assert encode_tags_filter(tags) == expected
    assert encode_filters({"tags": tags}) == {"tags": expected}


@pytest.mark.parametrize("tags", [{"host": ""}, {"host": "a,b"}, {"Host": "a"}])
def test_tags_filter_rejects_what_argus_cannot_filter_on(tags):
    with pytest.raises(InvalidTagError):
        encode_tags_filter(tags)
