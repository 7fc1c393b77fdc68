import pytest
import requests

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
    NotSourceSystemError,
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


# Answers that mean "the token's user is not a source system" (argus-server 2.10 texts)

NOT_SOURCE = ["The requesting user must have a connected source system."]


@pytest.mark.parametrize(
    ("status", "body", "method", "path", "operation"),
    [
        (400, NOT_SOURCE, "POST", "incidents/", "post incidents"),
        (400, NOT_SOURCE, "POST", "incidents/mine/", "post incidents"),
        *[
            (
                400,
                {"type": f"An end user cannot post events of type '{code}'."},
                "POST",
                "incidents/7/events/",
                f"post {code} events",
            )
            for code in ("END", "RES", "STA", "CHI", "LES")
        ],
        (403, "", "POST", "incidents/sources/heartbeat/", "send heartbeats"),
        (403, None, "POST", "incidents/sources/heartbeat/", "send heartbeats"),
    ],
)
def test_not_a_source_system_is_an_auth_error(status, body, method, path, operation):
    url = f"http://127.0.0.1:8000/api/v2/{path}"
    error = error_for_response(ErrorResponse(status, body=body, method=method, url=url))
    assert type(error) is NotSourceSystemError
    assert isinstance(error, AuthError)
    assert not error.retryable
    assert error.status_code == status
    assert str(error).startswith(
        f"{method} /api/v2/{path}: {status}: the token's user is not a source system, "
        f"and only source systems may {operation}: use a source system's token"
    )


@pytest.mark.parametrize(
    ("status", "body", "method", "path"),
    [
        # An end user may post these; their refusals are about the incident.
        (
            400,
            {"type": "An end user cannot post events of type 'XYZ'."},
            "POST",
            "incidents/7/events/",
        ),
        (
            400,
            {"type": "A source system cannot post events of type 'CLO'."},
            "POST",
            "incidents/7/events/",
        ),
        (400, {"type": "The incident is already closed."}, "POST", "incidents/7/events/"),
        # argus-server < 2.10: the heartbeat path is a source system's detail route.
        (
            403,
            {"detail": "You do not have permission to perform this action."},
            "POST",
            "incidents/sources/heartbeat/",
        ),
        (403, "", "GET", "incidents/sources/heartbeat/"),
        (403, "", "POST", "incidents/"),
    ],
)
def test_other_refusals_are_not_about_the_token_kind(status, body, method, path):
    url = f"http://127.0.0.1:8000/api/v2/{path}"
    error = error_for_response(ErrorResponse(status, body=body, method=method, url=url))
    assert not isinstance(error, NotSourceSystemError)


def test_end_users_refused_end_events_name_the_way_they_close_incidents():
    body = {"type": "An end user cannot post events of type 'END'."}
    error = error_for_response(response(400, body, url="http://h/api/v2/incidents/3/events/"))
    assert "(end users close and reopen incidents with CLO and REO events)" in str(error)
    assert str(error).endswith("(Argus: type: An end user cannot post events of type 'END'.)")


# Hints for answers that are not Argus' API's own

HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
DJANGO_400 = "<head><title>400 - Bad Request</title></head><body><h1>400 - Bad Request</h1>"


def test_a_bare_400_for_a_body_over_djangos_limit_says_so():
    error = error_for_response(response(400, DJANGO_400, headers=HTML, request_size=2_700_000))
    assert type(error) is BadRequestError
    assert str(error) == (
        "POST /api/v2/incidents/?open=true: 400: 400 - Bad Request (the request body is 2.6 MB: "
        "Django, under Argus, refuses bodies over 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE) with "
        "this bare 400; send a shorter description or less metadata)"
    )


def test_a_bare_400_for_a_small_body_names_the_likely_causes():
    error = error_for_response(response(400, DJANGO_400, headers=HTML, request_size=100))
    assert "Django refused the request before Argus saw it" in str(error)
    assert "ALLOWED_HOSTS" in str(error)


def test_argus_own_400s_and_bare_json_strings_get_no_hint():
    for body in ({"level": ["bad"]}, "No path to ticket plugin can be found in the settings."):
        error = error_for_response(response(400, body, headers=JSON, request_size=3_000_000))
        assert "(" not in str(error).split(": 400: ", 1)[1]


def test_413_says_the_body_is_too_large():
    error = error_for_response(
        response(
            413, "<title>413 Request Entity Too Large</title>", headers=HTML, request_size=2**21
        )
    )
    assert type(error) is ClientError
    assert str(error).endswith(
        "(the request body (2.0 MB) is more than the server or a proxy in front of it accepts)"
    )


def test_an_html_404_points_at_the_api_root_url():
    page = "<title>404 - Page Not Found</title>"
    error = error_for_response(response(404, page, method="GET", headers=HTML))
    assert type(error) is NotFoundError
    assert str(error) == (
        "GET /api/v2/incidents/?open=true: 404: 404 - Page Not Found (the server has no such "
        "URL: is the API root URL right? It ends in /api/v2/; older Argus versions lack newer "
        "endpoints)"
    )
    json_404 = error_for_response(response(404, {"detail": "Not found."}, headers=JSON))
    assert str(json_404) == "POST /api/v2/incidents/?open=true: 404: Not found."


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head>",
        "<p>Reason: You're speaking plain HTTP to an SSL-enabled server port.<br />",
        "Client sent an HTTP request to an HTTPS server.\n",
    ],
)
def test_plain_http_to_an_https_port_says_use_https(page):
    error = error_for_response(response(400, page, headers=HTML))
    assert type(error) is BadRequestError
    assert "(the server speaks https: use https:// in the API root URL)" in str(error)


def test_error_response_keeps_the_size_of_the_request_body(requests_mock):
    requests_mock.post("http://127.0.0.1:8000/x", status_code=400, text="no")
    answer = requests.post("http://127.0.0.1:8000/x", json={"a": "å" * 10}, timeout=5)
    assert ErrorResponse.from_requests(answer).request_size == len(answer.request.body) > 20
    answer = requests.post("http://127.0.0.1:8000/x", timeout=5)
    assert ErrorResponse.from_requests(answer).request_size is None


def test_connection_error_repr_shows_retryable_and_sent():
    error = ClientConnectionError("GET /x: connection refused by http://h:1", sent=False)
    assert repr(error) == (
        "ClientConnectionError('GET /x: connection refused by http://h:1', retryable=True, "
        "sent=False)"
    )
