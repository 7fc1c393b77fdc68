import pytest

from pyargus.exceptions import (
    ArgusError,
    AuthError,
    BadRequestError,
    ClientConnectionError,
    ClientError,
    ClientTimeoutError,
    DecodeError,
    DuplicateIncidentError,
    ErrorResponse,
    ErrorWithResponse,
    InvalidArgumentError,
    MethodNotAllowedError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnexpectedRedirectError,
    describe_body,
    error_for_response,
)

DUPLICATE = [
    'duplicate key value violates unique constraint "incident_unique_source_incident_id_per_source"\n'
    "DETAIL:  Key (source_incident_id, source_id)=(lab-1, 2) already exists."
]


def response(status, body=None, **kwargs):
    kwargs.setdefault("method", "POST")
    kwargs.setdefault("url", "http://127.0.0.1:8000/api/v2/incidents/?open=true")
    return ErrorResponse(status, body=body, **kwargs)


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, {"level": ['"9" is not a valid choice.']}, BadRequestError),
        (400, DUPLICATE, DuplicateIncidentError),
        (401, {"detail": "Invalid token."}, AuthError),
        (403, {"detail": "You do not have permission to perform this action."}, AuthError),
        (404, {"detail": "Not found."}, NotFoundError),
        (405, {"detail": "Deletion of incidents is turned off"}, MethodNotAllowedError),
        (409, {"detail": "conflict"}, ClientError),
        (410, {"status_code": 410, "status": "API v1 has been removed"}, ClientError),
        (429, {"detail": "slow down"}, RateLimitError),
        (500, "<h1>Server Error (500)</h1>", ServerError),
        (503, "", ServerError),
        (301, "", UnexpectedRedirectError),
    ],
)
def test_status_maps_to_class(status, body, cls):
    error = error_for_response(response(status, body))
    assert type(error) is cls
    assert isinstance(error, ErrorWithResponse) and isinstance(error, ArgusError)
    assert error.status_code == status
    assert error.body == body
    assert error.response.status_code == status


def test_hierarchy_matches_the_old_client_names():
    assert issubclass(AuthError, ClientError)
    assert issubclass(NotFoundError, ClientError)
    assert issubclass(DuplicateIncidentError, BadRequestError)
    assert issubclass(BadRequestError, ClientError)
    assert issubclass(ClientTimeoutError, ClientConnectionError)
    assert not issubclass(ClientConnectionError, ErrorWithResponse)
    assert issubclass(DecodeError, ArgusError)
    assert issubclass(InvalidArgumentError, ValueError)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (404, False),
        (429, True),
        (500, False),
        (502, True),
        (503, True),
        (504, True),
    ],
)
def test_retryable_by_status(status, retryable):
    assert error_for_response(response(status)).retryable is retryable


def test_transport_errors_are_retryable():
    assert ClientConnectionError("x").retryable
    assert ClientTimeoutError("x").retryable
    assert not DecodeError("x").retryable
    assert not InvalidArgumentError("x").retryable


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            {"detail": "No Incident matches the given query."},
            "No Incident matches the given query.",
        ),
        (
            {"start_time": ["This field is required."], "tags": ["This field is required."]},
            "start_time: This field is required.; tags: This field is required.",
        ),
        (
            {"end_time": "The field is not allowed to be changed."},
            "end_time: The field is not allowed to be changed.",
        ),
        (
            ["The requesting user must have a connected source system."],
            "The requesting user must have a connected source system.",
        ),
        (
            {"tags": {"0": {"tag": "The tag does not have its delimiter: =."}}},
            "tags: 0: tag: The tag does not have its delimiter: =.",
        ),
        (
            {"non_field_errors": ["'end_time' cannot be before 'start_time'."]},
            "'end_time' cannot be before 'start_time'.",
        ),
        (
            {"__all__": ["Source system with this Name and Type already exists."]},
            "Source system with this Name and Type already exists.",
        ),
        ("No path to ticket plugin", "No path to ticket plugin"),
        (
            "<html><head><title>Not Found</title></head><body><h1>404</h1></body></html>",
            "Not Found",
        ),
        ("<h1>404 - Page Not Found</h1>", "404 - Page Not Found"),
        ("<p>bare</p>", "HTML page"),
        (
            {"status_code": 410, "status": "API v1 has been removed"},
            "status_code: 410; status: API v1 has been removed",
        ),
        ("", ""),
        (None, ""),
        (42, "42"),
        ("x" * 400, "x" * 300 + "…"),
    ],
)
def test_describe_every_body_shape(body, text):
    assert describe_body(body) == text


def test_message_names_method_path_status_and_detail():
    error = error_for_response(response(404, {"detail": "Not found."}, reason="Not Found"))
    assert str(error) == "POST /api/v2/incidents/?open=true: 404 Not Found: Not found."
    assert error.detail == "Not found."


def test_field_errors_of_every_shape():
    assert error_for_response(response(400, {"level": ["bad"], "x": "y"})).field_errors == {
        "level": ["bad"],
        "x": ["y"],
    }
    assert error_for_response(response(400, ["a", "b"])).field_errors == {
        "non_field_errors": ["a", "b"]
    }
    assert error_for_response(response(400, {"__all__": ["c"]})).field_errors == {
        "non_field_errors": ["c"]
    }
    assert error_for_response(response(400, "text")).field_errors == {"non_field_errors": ["text"]}
    assert error_for_response(response(400, "")).field_errors == {}


def test_rate_limit_retry_after():
    assert error_for_response(response(429, headers={"Retry-After": "3"})).retry_after == 3.0
    assert error_for_response(response(429, headers={"Retry-After": "soon"})).retry_after is None
    assert error_for_response(response(429)).retry_after is None


def test_redirect_message_names_location():
    error = error_for_response(response(301, "", headers={"Location": "/api/v2/incidents/"}))
    assert "redirect 301 to /api/v2/incidents/" in str(error)


def test_error_response_compat_attributes():
    resp = response(404, {"detail": "x"}, reason="Not Found", headers={"A": "b"})
    assert resp.client_response.reason_phrase == "Not Found"
    assert resp.headers == {"A": "b"}
    assert "404" in repr(resp)


def test_new_classes_fit_the_hierarchy():
    from pyargus.exceptions import BulkError, NotSupportedError, TicketPluginError

    assert issubclass(NotSupportedError, ClientError)
    assert issubclass(TicketPluginError, ErrorWithResponse)
    assert not issubclass(TicketPluginError, ClientError)
    assert issubclass(BulkError, ArgusError)
    assert not issubclass(BulkError, ErrorWithResponse)


def test_bulk_error_names_every_failure():
    from pyargus.exceptions import BulkError
    from pyargus.models import BulkItem, BulkResult

    result = BulkResult(
        [BulkItem(1, 201, "x"), BulkItem(7, 400, None, "Incident with id 7 could not be found.")],
        "bulk_set_ticket_url",
    )
    error = BulkError(result)
    assert str(error) == (
        "bulk_set_ticket_url: 1 of 2 incidents failed: "
        "#7: Incident with id 7 could not be found. (status 400)"
    )
    assert error.result is result and not error.retryable
