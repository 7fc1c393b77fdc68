"""AsyncClient is Client's twin: generated, fresh, same surface, same behaviour on a loopback server."""

from __future__ import annotations

import asyncio
import gc
import inspect
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.exceptions import ArgusError, DecodeError, NotFoundError
from pyargus.pagination import AsyncListing

from .conftest import TOKEN
from .faults import Delay, FaultServer, Reply
from .wire import incident_json, page_json

ROOT = Path(__file__).resolve().parent.parent
RENAMED = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}


def public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


def test_generated_async_client_is_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "gen_async.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_surfaces_and_signatures_match() -> None:
    expected = {RENAMED.get(name, name) for name in public(Client)}
    assert public(AsyncClient) == expected
    for name in public(Client):
        sync, aio = getattr(Client, name), getattr(AsyncClient, RENAMED.get(name, name))
        if isinstance(inspect.getattr_static(Client, name), property):
            continue
        s, a = inspect.signature(sync), inspect.signature(aio)
        assert list(s.parameters) == list(a.parameters), name
        for p, q in zip(s.parameters.values(), a.parameters.values(), strict=True):
            assert p.kind == q.kind, (name, p)
            if p.name != "api_class":
                assert p.default == q.default, (name, p)
        listing = "Iterator[" in str(s.return_annotation)
        assert inspect.iscoroutinefunction(aio) != (listing or name == "from_env"), name


def test_constructor_signature_is_the_promised_one() -> None:
    params = inspect.signature(AsyncClient).parameters
    assert list(params)[:3] == ["api_root_url", "token", "timeout"]
    assert params["timeout"].default == 10.0
    assert params["api_class"].default is None
    for name in ("session", "verify", "retries", "api_class"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_async_client_against_loopback_server() -> None:
    async def main() -> None:
        with FaultServer(Reply(200, json=incident_json())) as server:
            async with AsyncClient(server.url + "/api/v2/", TOKEN, retries=0) as client:
                results = await asyncio.gather(*(client.get_incident(1) for _ in range(50)))
                assert {r.pk for r in results} == {1}
            assert server.seen[0].headers["authorization"] == f"Token {TOKEN}"
        with FaultServer(Reply(404, json={"detail": "Not found."})) as server:
            async with AsyncClient(server.url + "/api/v2/", TOKEN, retries=0) as client:
                with pytest.raises(NotFoundError, match="404 Not Found: Not found"):
                    await client.get_incident(1)

    asyncio.run(main())


def test_listing_is_an_async_iterator_lazy_per_page() -> None:
    async def main() -> None:
        with FaultServer(
            Reply(200, json=page_json([incident_json(pk=2), incident_json(pk=1)]))
        ) as server:
            async with AsyncClient(server.url + "/api/v2/", TOKEN, retries=0) as client:
                listing = client.get_incidents(open=True)
                assert isinstance(listing, AsyncListing)
                assert server.count() == 0
                first = await listing.first()
                assert first is not None and first.pk == 2
                assert [i.pk for i in await listing.to_list()] == [1]
                assert [i.pk async for i in client.get_incidents()] == [2, 1]

    asyncio.run(main())


def test_a_bad_item_fails_its_whole_page_in_the_async_listing() -> None:
    """As documented in docs/async.rst: the async path loads a page's items when it arrives."""
    bad_page = page_json([incident_json(pk=2), incident_json(pk=1, tags="nope")])

    async def main() -> None:
        with FaultServer(Reply(200, json=bad_page)) as server:
            async with AsyncClient(server.url + "/api/v2/", TOKEN, retries=0) as client:
                listing = client.get_incidents()
                with pytest.raises(DecodeError, match=r"'results': \{1: \{'tags'"):
                    await listing.first()
                with pytest.raises(DecodeError):  # the same page, asked for again
                    await listing.first()
                assert server.count() == 2

    asyncio.run(main())


def test_second_event_loop_gives_argus_error_and_unclosed_warns() -> None:
    with FaultServer(Reply(200, json=incident_json())) as server:
        client = AsyncClient(server.url + "/api/v2/", TOKEN, retries=0)  # outside any loop
        asyncio.run(client.get_incident(1))
        with pytest.raises(ArgusError, match="bound to the event loop"):
            asyncio.run(client.get_incident(1))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del client
            gc.collect()
        assert any(
            issubclass(w.category, ResourceWarning) and "unclosed AsyncClient" in str(w.message)
            for w in caught
        )


def _generator_module():  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_async", ROOT / ".ci" / "gen_async.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_async"] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


SYNTHETIC = '''
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from . import pagination


class Client:
    """Doc."""

    def get_things(self) -> Iterator[int]:
        return pagination.iterate(self.api.list_things, {})

    def make(self, name: str) -> int:
        return self.api.create(name).pk

    @contextmanager
    def planned_maintenance(self, name: str) -> Iterator[int]:
        pk = self.make(name)
        try:
            yield pk
        finally:
            self.api.end(pk)

    def first_thing(self) -> int | None:
        with self.planned_maintenance("x"):
            return next(self.get_things(), None)
'''


def test_generator_turns_a_contextmanager_method_into_an_async_one() -> None:
    code = _generator_module().Generator(SYNTHETIC).generate()
    assert "@asynccontextmanager\n    async def planned_maintenance" in code
    assert "-> AsyncIterator[int]:" in code
    assert "pk = await self.make(name)" in code
    assert "await self.api.end(pk)" in code
    assert "return (await self.api.create(name)).pk" in code
    assert "async with self.planned_maintenance" in code
    assert "return await self.get_things().first()" in code
    assert "def get_things(self) -> AsyncListing[int]:" in code


def test_generator_refuses_what_it_cannot_translate() -> None:
    gen = _generator_module()
    source = (
        SYNTHETIC
        + "\n    def bad(self) -> list[int]:\n        return [x for x in self.get_things()]\n"
    )
    with pytest.raises(gen.GenerationError, match="listing"):
        gen.Generator(source).generate()


class InFlight(Delay):
    """Answer after a short delay, counting the most requests the server held at once."""

    def __init__(self) -> None:
        super().__init__(0.05, Reply(200, json=incident_json()))
        self.lock = threading.Lock()
        self.now = self.most = 0

    def run(self, conn: Any, seen: Any, server: FaultServer) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            super().run(conn, seen, server)
        finally:
            with self.lock:
                self.now -= 1


def test_gathered_requests_share_a_bounded_pool() -> None:
    in_flight = InFlight()

    async def main() -> None:
        with FaultServer(in_flight) as server:
            async with AsyncClient(
                server.url + "/api/v2/", TOKEN, retries=0, pool_size=3
            ) as client:
                results = await asyncio.gather(*(client.get_incident(1) for _ in range(30)))
            assert len(results) == 30 and server.count() == 30
        assert in_flight.most == 3  # concurrent up to the limit, never beyond

    asyncio.run(main())


def test_a_session_of_the_caller_is_never_closed() -> None:
    import aiohttp

    async def main() -> None:
        with FaultServer(Reply(200, json=incident_json())) as server:
            async with aiohttp.ClientSession() as session:
                async with AsyncClient(server.url + "/api/v2/", TOKEN, session=session) as client:
                    assert (await client.get_incident(1)).pk == 1
                assert not session.closed
                other = AsyncClient(server.url + "/api/v2/", TOKEN, session=session)
                await other.aclose()
                assert not session.closed
                async with session.get(server.url + "/api/v2/incidents/1/") as answer:
                    assert answer.status == 200  # still usable by its owner

    asyncio.run(main())
