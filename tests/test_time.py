import os
import time as stdlib_time
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.models import INFINITY
from pyargus.time import encode_datetime, is_infinity, now, parse_datetime

OSLO = timezone(timedelta(hours=1))


@pytest.fixture
def local_zone_oslo():
    """Run with the machine's local time zone set to Europe/Oslo."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Oslo"
    stdlib_time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    stdlib_time.tzset()


class TestEncode:
    def test_aware_datetimes_keep_their_offset(self):
        assert encode_datetime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=OSLO)) == (
            "2026-01-02T03:04:05+01:00"
        )
        assert encode_datetime(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)) == (
            "2026-01-02T03:04:05.000006+00:00"
        )

    def test_naive_datetimes_are_local_time_with_explicit_offset(self, local_zone_oslo):
        assert encode_datetime(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05+01:00"
        assert encode_datetime(datetime(2026, 7, 2, 3, 4, 5)) == "2026-07-02T03:04:05+02:00"

    @pytest.mark.parametrize(
        "value",
        [
            INFINITY,
            datetime.max,
            datetime.max.replace(tzinfo=timezone.utc),
            datetime.max.replace(tzinfo=OSLO),
        ],
    )
    def test_every_form_of_max_is_infinity(self, value):
        assert is_infinity(value)
        assert encode_datetime(value) == "infinity"

    def test_datetime_max_as_naive_local_does_not_overflow(self, local_zone_oslo):
        assert encode_datetime(datetime.max) == "infinity"


class TestParse:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (
                "2026-11-27T09:45:32.365835+01:00",
                datetime(2026, 11, 27, 9, 45, 32, 365835, tzinfo=OSLO),
            ),
            ("2026-01-01T22:04:05Z", datetime(2026, 1, 1, 22, 4, 5, tzinfo=timezone.utc)),
            (
                "2026-01-01T22:04:05.5+00:00",
                datetime(2026, 1, 1, 22, 4, 5, 500000, tzinfo=timezone.utc),
            ),
            (
                "2026-01-01T22:04:05.1234567+00:00",
                datetime(2026, 1, 1, 22, 4, 5, 123456, tzinfo=timezone.utc),
            ),
        ],
    )
    def test_iso_8601_with_offset(self, text, expected):
        result = parse_datetime(text)
        assert result == expected
        assert result.utcoffset() == expected.utcoffset()

    def test_infinity(self):
        assert parse_datetime("infinity") is INFINITY
        assert parse_datetime("-infinity") == datetime.min.replace(tzinfo=timezone.utc)

    def test_naive_text_is_taken_as_utc(self):
        assert parse_datetime("2026-01-01T10:00:00") == datetime(
            2026, 1, 1, 10, tzinfo=timezone.utc
        )

    @pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00+00:00"])
    def test_garbage_raises_value_error(self, text):
        with pytest.raises(ValueError):
            parse_datetime(text)


def test_now_is_aware_utc():
    before = datetime.now(timezone.utc)
    value = now()
    assert value.tzinfo is timezone.utc
    assert before <= value <= datetime.now(timezone.utc)
