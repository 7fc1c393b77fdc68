"""Declarations of the end-user side of the Argus REST API v2 (uplink).

Notification profiles, timeslots, filters (and their previews),
destinations, media and planned maintenance: the 36 operations of
``notificationprofiles/`` and ``plannedmaintenance/``. They are written the
way a user's own declarations are (see :doc:`/extending`), with public
names only: decorated methods on a :class:`~pyargus.consumer.BaseAPI`
subclass, schemas of :mod:`pyargus.schemas`, quirks as
:func:`~pyargus.consumer.on_error` translations next to the declarations.
:class:`pyargus.api.ArgusAPI` inherits them.

Argus reads these objects nested (a profile's timeslot, filters and
destinations as objects) and writes them by pk; none of the listings is
paginated. Where an answer means something else than its status says (a
400 for an object that is not yours, a 403 for a user who is not staff),
the translation says so.

Do not add ``from __future__ import annotations`` here (uplink reads the
annotations when the class is built).
"""

from typing import no_type_check

import uplink
from uplink import Body, Path

from pyargus import schemas
from pyargus.consumer import BaseAPI, on_error
from pyargus.exceptions import (
    ArgusError,
    AuthError,
    BadRequestError,
    NotFoundError,
    NotSupportedError,
    ServerError,
)

__all__ = ["EndUserAPI"]


def _saying(error: ArgusError, text: str) -> BadRequestError | None:
    """*error* if it is a 400 whose body (of any shape) contains *text*."""
    return error if isinstance(error, BadRequestError) and text in error.detail else None


def _not_yours(error: ArgusError) -> ArgusError | None:
    """A 400 ``["... with pk=N does not exist."]``: not one of the user's objects."""
    bad = _saying(error, "does not exist.")
    return NotFoundError(bad.response, hint="it is not one of this user's") if bad else None


def _medium_missing(error: ArgusError) -> ArgusError | None:
    """A 400 ``["Medium \"sms\" is not installed."]``: the server lacks the medium."""
    bad = _saying(error, "is not installed.")
    if bad is None:
        return None
    hint = (
        "the medium is not in the server's MEDIA_PLUGINS; Argus then fails every listing "
        "and change of the destinations (and profiles) that use it"
    )
    return NotSupportedError(bad.response, hint=hint)


def _profile_name(error: ArgusError) -> ArgusError | None:
    """The misleading 400 of a profile name that *any* user has."""
    bad = _saying(error, "already has a profile with that name")
    if bad is None:
        return _medium_missing(error)
    hint = "profile names are unique across all users of the server, not per user"
    return BadRequestError(bad.response, hint=hint)


def _filter_write(error: ArgusError) -> ArgusError | None:
    """argus-server answers a filter name the user already has with a 500."""
    if isinstance(error, ServerError) and error.status_code == 500:
        hint = "argus-server fails so when the user already has a filter with this name"
        return ServerError(error.response, hint=hint)
    return None


def _other_users_filter(error: ArgusError) -> ArgusError | None:
    """A 403 on ``GET filters/{pk}/``: another user's public filter (listed, not readable)."""
    if isinstance(error, AuthError) and error.status_code == 403:
        hint = "it is another user's public filter: listed for everyone, readable by its owner"
        return AuthError(error.response, hint=hint)
    return None


def _bad_preview(error: ArgusError) -> ArgusError | None:
    if isinstance(error, ServerError) and error.status_code == 500:
        hint = (
            "argus-server fails so on a filter tag that is not key=value with a "
            "[a-z0-9_]+ key, also one saved in a filter of the profile"
        )
        return ServerError(error.response, hint=hint)
    return _not_yours(error)


STAFF_NEEDED = (
    "creating, changing and deleting planned maintenance tasks takes a staff account "
    "(is_staff); this token's user is not staff"
)


def _maintenance_write(error: ArgusError) -> ArgusError | None:
    """403 on maintenance writes: the user is not staff."""
    if isinstance(error, AuthError) and error.status_code == 403:
        return AuthError(error.response, hint=STAFF_NEEDED)
    bad = _saying(error, "not possible to delete past or ongoing")
    if bad is not None:
        hint = "end a task that has started by moving its end_time (end_planned_maintenance)"
        return BadRequestError(bad.response, hint=hint)
    return None


class EndUserAPI(BaseAPI):
    """The end-user endpoints of the Argus API v2 (inherited by :class:`pyargus.api.ArgusAPI`)."""

    # Notification profiles

    @on_error(_medium_missing)
    @uplink.get("notificationprofiles/")
    @no_type_check
    def list_notification_profiles(self) -> schemas.notification_profiles:
        """GET notificationprofiles/ -- the user's own profiles (not paginated)."""

    @on_error(_profile_name)
    @uplink.json
    @uplink.post("notificationprofiles/")
    @no_type_check
    def create_notification_profile(
        self, profile: Body(type=schemas.notification_profile_write)
    ) -> schemas.notification_profile:
        """POST notificationprofiles/ -- create a profile (pks; 201, the profile nested)."""

    @on_error(_medium_missing)
    @uplink.get("notificationprofiles/{pk}/")
    @no_type_check
    def retrieve_notification_profile(self, pk: Path) -> schemas.notification_profile:
        """GET notificationprofiles/{pk}/ -- one of the user's profiles."""

    @on_error(_profile_name)
    @uplink.json
    @uplink.put("notificationprofiles/{pk}/")
    @no_type_check
    def replace_notification_profile(
        self, pk: Path, profile: Body(type=schemas.notification_profile_write)
    ) -> schemas.notification_profile:
        """PUT notificationprofiles/{pk}/ -- timeslot and filters required; the rest kept."""

    @on_error(_profile_name)
    @uplink.json
    @uplink.patch("notificationprofiles/{pk}/")
    @no_type_check
    def update_notification_profile(
        self, pk: Path, changes: Body(type=schemas.notification_profile_write)
    ) -> schemas.notification_profile:
        """PATCH notificationprofiles/{pk}/ -- change fields (the timeslot always sent)."""

    @uplink.delete("notificationprofiles/{pk}/")
    @no_type_check
    def delete_notification_profile(self, pk: Path):
        """DELETE notificationprofiles/{pk}/ -- delete a profile (204)."""

    @on_error(_bad_preview)
    @uplink.get("notificationprofiles/{pk}/incidents/")
    @no_type_check
    def list_notification_profile_incidents(self, pk: Path) -> schemas.incidents:
        """GET notificationprofiles/{pk}/incidents/ -- incidents of any of its filters (all)."""

    @on_error(_bad_preview)
    @uplink.json
    @uplink.post("notificationprofiles/preview/")
    @no_type_check
    def preview_notification_profile(
        self, blob: Body(type=schemas.filter_blob)
    ) -> schemas.incidents:
        """POST notificationprofiles/preview/ -- the incidents a filter blob matches (all)."""

    @on_error(_bad_preview)
    @uplink.json
    @uplink.post("notificationprofiles/filterpreview/")
    @no_type_check
    def preview_filter(self, blob: Body(type=schemas.filter_blob)) -> schemas.incidents:
        """POST notificationprofiles/filterpreview/ -- the same as ``preview/`` (older path)."""

    # Timeslots

    @uplink.get("notificationprofiles/timeslots/")
    @no_type_check
    def list_timeslots(self) -> schemas.timeslots:
        """GET notificationprofiles/timeslots/ -- the user's timeslots, by name."""

    @uplink.json
    @uplink.post("notificationprofiles/timeslots/")
    @no_type_check
    def create_timeslot(self, timeslot: Body(type=schemas.timeslot)) -> schemas.timeslot:
        """POST notificationprofiles/timeslots/ -- create a timeslot (201)."""

    @uplink.get("notificationprofiles/timeslots/{pk}/")
    @no_type_check
    def retrieve_timeslot(self, pk: Path) -> schemas.timeslot:
        """GET notificationprofiles/timeslots/{pk}/ -- one of the user's timeslots."""

    @uplink.json
    @uplink.put("notificationprofiles/timeslots/{pk}/")
    @no_type_check
    def replace_timeslot(self, pk: Path, timeslot: Body(type=schemas.timeslot)) -> schemas.timeslot:
        """PUT notificationprofiles/timeslots/{pk}/ -- name and all recurrences."""

    @uplink.json
    @uplink.patch("notificationprofiles/timeslots/{pk}/")
    @no_type_check
    def update_timeslot(self, pk: Path, changes: Body(type=schemas.timeslot)) -> schemas.timeslot:
        """PATCH notificationprofiles/timeslots/{pk}/ -- recurrences, if given, replace all."""

    @uplink.delete("notificationprofiles/timeslots/{pk}/")
    @no_type_check
    def delete_timeslot(self, pk: Path):
        """DELETE notificationprofiles/timeslots/{pk}/ -- 204; deletes the profiles using it."""

    # Filters

    @uplink.get("notificationprofiles/filters/")
    @no_type_check
    def list_filters(self) -> schemas.notification_filters:
        """GET notificationprofiles/filters/ -- the user's filters and all public ones."""

    @on_error(_filter_write)
    @uplink.json
    @uplink.post("notificationprofiles/filters/")
    @no_type_check
    def create_filter(
        self, filter_: Body(type=schemas.notification_filter)
    ) -> schemas.notification_filter:
        """POST notificationprofiles/filters/ -- create a filter (201)."""

    @on_error(_other_users_filter)
    @uplink.get("notificationprofiles/filters/{pk}/")
    @no_type_check
    def retrieve_filter(self, pk: Path) -> schemas.notification_filter:
        """GET notificationprofiles/filters/{pk}/ -- one of the user's filters."""

    @on_error(_filter_write)
    @uplink.json
    @uplink.put("notificationprofiles/filters/{pk}/")
    @no_type_check
    def replace_filter(
        self, pk: Path, filter_: Body(type=schemas.notification_filter)
    ) -> schemas.notification_filter:
        """PUT notificationprofiles/filters/{pk}/ -- name required; an omitted blob is kept."""

    @on_error(_filter_write)
    @uplink.json
    @uplink.patch("notificationprofiles/filters/{pk}/")
    @no_type_check
    def update_filter(
        self, pk: Path, changes: Body(type=schemas.notification_filter)
    ) -> schemas.notification_filter:
        """PATCH notificationprofiles/filters/{pk}/ -- a given blob replaces the old one."""

    @uplink.delete("notificationprofiles/filters/{pk}/")
    @no_type_check
    def delete_filter(self, pk: Path):
        """DELETE notificationprofiles/filters/{pk}/ -- 204; 400 while a profile uses it."""

    # Destinations

    @on_error(_medium_missing)
    @uplink.get("notificationprofiles/destinations/")
    @no_type_check
    def list_destinations(self) -> schemas.destinations:
        """GET notificationprofiles/destinations/ -- the user's destinations."""

    @on_error(_medium_missing)
    @uplink.json
    @uplink.post("notificationprofiles/destinations/")
    @no_type_check
    def create_destination(
        self, destination: Body(type=schemas.destination_write)
    ) -> schemas.destination:
        """POST notificationprofiles/destinations/ -- create a destination (201)."""

    @on_error(_medium_missing)
    @uplink.get("notificationprofiles/destinations/{pk}/")
    @no_type_check
    def retrieve_destination(self, pk: Path) -> schemas.destination:
        """GET notificationprofiles/destinations/{pk}/ -- one of the user's destinations."""

    @on_error(_medium_missing)
    @uplink.json
    @uplink.patch("notificationprofiles/destinations/{pk}/")
    @no_type_check
    def update_destination(
        self, pk: Path, changes: Body(type=schemas.destination_write)
    ) -> schemas.destination:
        """PATCH notificationprofiles/destinations/{pk}/ -- label and/or settings (no PUT)."""

    @on_error(_medium_missing)
    @uplink.delete("notificationprofiles/destinations/{pk}/")
    @no_type_check
    def delete_destination(self, pk: Path):
        """DELETE notificationprofiles/destinations/{pk}/ -- 204; 400 if managed or in use."""

    @on_error(_not_yours)
    @uplink.get("notificationprofiles/destinations/{pk}/duplicate/")
    @no_type_check
    def retrieve_destination_duplicate(self, pk: Path) -> schemas.destination_duplicate:
        """GET notificationprofiles/destinations/{pk}/duplicate/ -- another user has it too?"""

    # Media

    @uplink.get("notificationprofiles/media/")
    @no_type_check
    def list_media(self) -> schemas.media:
        """GET notificationprofiles/media/ -- every medium the server knows."""

    @uplink.get("notificationprofiles/media/{slug}/")
    @no_type_check
    def retrieve_medium(self, slug: Path) -> schemas.medium:
        """GET notificationprofiles/media/{slug}/ -- one medium."""

    @on_error(_medium_missing)
    @uplink.get("notificationprofiles/media/{slug}/json_schema/")
    @no_type_check
    def retrieve_medium_json_schema(self, slug: Path) -> schemas.medium_json_schema:
        """GET notificationprofiles/media/{slug}/json_schema/ -- its settings' JSON schema."""

    # Planned maintenance (argus-server 2.10 and later; writes need a staff user)

    @uplink.get("plannedmaintenance/")
    @no_type_check
    def list_planned_maintenance(self) -> schemas.planned_maintenance_tasks:
        """GET plannedmaintenance/ -- every task of every user, past ones included."""

    @on_error(_maintenance_write)
    @uplink.json
    @uplink.post("plannedmaintenance/")
    @no_type_check
    def create_planned_maintenance(
        self, task: Body(type=schemas.planned_maintenance_write)
    ) -> schemas.planned_maintenance:
        """POST plannedmaintenance/ -- create a task (staff; filters as pks; 201)."""

    @uplink.get("plannedmaintenance/{pk}/")
    @no_type_check
    def retrieve_planned_maintenance(self, pk: Path) -> schemas.planned_maintenance:
        """GET plannedmaintenance/{pk}/ -- one task (any user's)."""

    @on_error(_maintenance_write)
    @uplink.json
    @uplink.put("plannedmaintenance/{pk}/")
    @no_type_check
    def replace_planned_maintenance(
        self, pk: Path, task: Body(type=schemas.planned_maintenance_put)
    ) -> schemas.planned_maintenance:
        """PUT plannedmaintenance/{pk}/ -- staff; end_time and filters required."""

    @on_error(_maintenance_write)
    @uplink.json
    @uplink.patch("plannedmaintenance/{pk}/")
    @no_type_check
    def update_planned_maintenance(
        self, pk: Path, changes: Body(type=schemas.planned_maintenance_write)
    ) -> schemas.planned_maintenance:
        """PATCH plannedmaintenance/{pk}/ -- staff; change fields (end_time null = never)."""

    @on_error(_maintenance_write)
    @uplink.delete("plannedmaintenance/{pk}/")
    @no_type_check
    def delete_planned_maintenance(self, pk: Path):
        """DELETE plannedmaintenance/{pk}/ -- staff; only tasks that have not started (204)."""
