"""Knowledge found by meaning: embeddings from a fake provider (a real HTTP server), in search and in assembly.

The fake's vectors count words by concept (tests/fakes/embeddings_upstream.py): `automobile` is near `car`
though they share no letter. The worker runs in the background; `caught_up` waits until `/health` says every
entry is embedded (a wait, not a timed assertion).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contextstack.app import create_asgi_app
from contextstack.errors import ConfigError
from contextstack.runtime import Runtime
from contextstack.settings import MemoryConfig, ProviderConfig, Settings, load_settings
from tests.fakes.embeddings_upstream import FakeEmbeddings
from tests.fakes.server import Fault

Client = AsyncTestClient[object]

CAR = {"kind": "note", "title": "Automobile upkeep", "body": "Change the oil of the sedan every spring."}
BACKUPS = {"kind": "note", "title": "Nightly backups", "body": "The backup job copies every file at night."}
DOGS = {"kind": "note", "title": "Office puppy", "body": "Bring the puppy on Fridays only."}


@pytest.fixture
def fake() -> Iterator[FakeEmbeddings]:
    with FakeEmbeddings() as server:
        yield server


def with_embeddings(db_path: Path, fake: FakeEmbeddings, model: str = "fake/embed", **memory: Any) -> Settings:
    return Settings(
        db=str(db_path),
        readers=2,
        providers={"fake": ProviderConfig(base_url=fake.url, connect_timeout=1.0, read_timeout=5.0)},
        memory=MemoryConfig(embedding_model=model, **memory),
    )


@asynccontextmanager
async def daemon(settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_asgi_app(settings), base_url="http://127.0.0.1:8765") as client:
        yield client


async def add(client: Client, entry: dict[str, Any], **extra: Any) -> str:
    response = await client.post("/api/knowledge", json={**entry, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def embeddings(client: Client) -> dict[str, Any]:
    response = await client.get("/health")
    assert response.status_code == 200
    status: dict[str, Any] = response.json()["embeddings"]
    return status


async def caught_up(client: Client) -> dict[str, Any]:
    """The embeddings' status once every entry has its vector (waits up to 30 s)."""
    for _ in range(600):
        status = await embeddings(client)
        if status["state"] == "idle" and status["waiting"] == 0:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"the worker did not catch up: {status}")


async def failing(client: Client, waiting: int = 1) -> dict[str, Any]:
    """The embeddings' status once the worker fails with `waiting` entries left (waits up to 30 s)."""
    for _ in range(600):
        status = await embeddings(client)
        if status["state"] == "failing" and status["waiting"] == waiting:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"the worker did not fail: {status}")


async def search(client: Client, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/knowledge/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_search_by_meaning_finds_an_entry_that_shares_no_word_with_the_query(
    db_path: Path, fake: FakeEmbeddings
) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        car = await add(client, CAR)
        await add(client, BACKUPS)
        await add(client, DOGS)
        status = await caught_up(client)
        assert status == {
            "model": "fake/embed",
            "dimension": 64,
            "entries": 3,
            "embedded": 3,
            "waiting": 0,
            "state": "idle",
            "error": None,
            "messages": 0,
            "messages_embedded": 0,
        }
        assert await search(client, "car maintenance ", mode="words") == []
        [first, *_] = await search(client, "car maintenance ", mode="meaning")
        assert first["entry"]["id"] == car
        assert first["found_by"] == ["meaning"]
        assert first["title_highlight"] == "Automobile upkeep"
        assert first["score"] > 0.3
        hybrid = await search(client, "car maintenance ")
        assert hybrid[0]["entry"]["id"] == car
        assert hybrid[0]["found_by"] == ["meaning"]


async def test_a_hit_found_both_ways_says_so_and_ranks_above_one_found_by_meaning_alone(
    db_path: Path, fake: FakeEmbeddings
) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        backups = await add(client, BACKUPS)
        car = await add(client, CAR)
        await add(client, {"kind": "note", "title": "Backup tapes", "body": "Stored off site."})
        await caught_up(client)
        hits = await search(client, "nightly backup car")
        by_id = {hit["entry"]["id"]: hit for hit in hits}
        assert by_id[backups]["found_by"] == ["words", "meaning"]
        assert by_id[car]["found_by"] == ["meaning"]
        assert by_id[backups]["score"] > by_id[car]["score"] > 0


async def test_search_as_you_type_is_by_words_alone(db_path: Path, fake: FakeEmbeddings) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        await add(client, CAR)
        await caught_up(client)
        sent = len(fake.texts)
        hits = await search(client, "automo")
        assert [hit["found_by"] for hit in hits] == [["words"]]
        assert len(fake.texts) == sent


async def test_without_an_embedding_model_everything_is_by_words_as_before(client: Client) -> None:
    await add(client, CAR)
    health = (await client.get("/health")).json()
    assert "embeddings" not in health
    assert await search(client, "car maintenance ") == []
    hits = await search(client, "automobile")
    assert [hit["found_by"] for hit in hits] == [["words"]]
    assert await search(client, "automobile") == await search(client, "automobile", mode="words")
    response = await client.get("/api/knowledge/search", params={"q": "car", "mode": "meaning"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "query.mode", "message": "no embedding model is configured"}]


async def test_an_unknown_mode_is_a_400_naming_it(client: Client) -> None:
    response = await client.get("/api/knowledge/search", params={"q": "car", "mode": "vibes"})
    assert response.status_code == 400
    assert "mode" in response.text


async def test_an_embedder_that_is_down_delays_embeddings_and_never_a_write(
    db_path: Path, fake: FakeEmbeddings
) -> None:
    fake.fault = Fault.answer(503)
    async with daemon(with_embeddings(db_path, fake)) as client:
        car = await add(client, CAR)
        status = await failing(client)
        assert status["waiting"] == 1
        assert status["embedded"] == 0
        assert "503" in status["error"] or "overloaded" in status["error"]
        # Search goes on by words; by meaning alone it says the embedder failed.
        assert [hit["entry"]["id"] for hit in await search(client, "automobile")] == [car]
        response = await client.get("/api/knowledge/search", params={"q": "car upkeep", "mode": "meaning"})
        assert response.status_code == 502
        assert response.json()["title"] == "Embeddings unavailable"
        fake.fault = None
        status = await caught_up(client)
        assert status["embedded"] == 1
        assert status["error"] is None


async def test_an_embedder_that_answers_vectors_of_the_wrong_size_is_refused(
    db_path: Path, fake: FakeEmbeddings
) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        car = await add(client, CAR)
        await caught_up(client)
        fake.wrong_size = True
        await add(client, DOGS)
        status = await failing(client)
        assert status["error"] == "fake/embed answered vectors of 63 numbers, not the 64 of its earlier ones"
        assert status["embedded"] == 1
        assert status["waiting"] == 1
        # The question's vector is refused too: hybrid goes on by words, meaning alone is a 502.
        assert [hit["entry"]["id"] for hit in await search(client, "automobile")] == [car]
        response = await client.get("/api/knowledge/search", params={"q": "puppy dog", "mode": "meaning"})
        assert response.status_code == 502
        fake.wrong_size = False
        await caught_up(client)


async def test_an_embedder_that_is_slow_leaves_assembly_to_words_until_the_embedding_comes(
    db_path: Path, fake: FakeEmbeddings
) -> None:
    async with daemon(with_embeddings(db_path, fake, embedding_time_limit=0.05)) as client:
        project = (await client.post("/api/projects", json={"name": "Garage"})).json()["id"]
        car = await add(client, CAR, project=project)
        await caught_up(client)
        fake.fault = Fault.slow_first_byte(1.0)
        # A write does not wait for the embedder: it is done, and its entry waits for its vector.
        await add(client, DOGS, project=project)
        assert (await embeddings(client))["waiting"] == 1
        params = {"query": "when is the car serviced", "budget": 2000}
        first = (await client.get(f"/api/projects/{project}/context", params=params)).json()
        assert car not in {item["id"] for item in first["manifest"] if item["included"]}
        fake.fault = None
        for _ in range(100):
            context = (await client.get(f"/api/projects/{project}/context", params=params)).json()
            if car in {item["id"] for item in context["manifest"] if item["included"]}:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the question's embedding never came")
        [item] = [item for item in context["manifest"] if item["id"] == car]
        assert item["section"] == "relevant"


async def test_assembly_pulls_in_knowledge_by_meaning(db_path: Path, fake: FakeEmbeddings) -> None:
    async with daemon(with_embeddings(db_path, fake, embedding_time_limit=30)) as client:
        project = (await client.post("/api/projects", json={"name": "Garage"})).json()["id"]
        car = await add(client, CAR, project=project)
        backups = await add(client, BACKUPS, project=project)
        await caught_up(client)
        context = (
            await client.get(f"/api/projects/{project}/context", params={"query": "is the car ok?", "budget": 2000})
        ).json()
        included = {item["id"]: item["section"] for item in context["manifest"] if item["included"]}
        assert included.get(car) == "relevant"
        assert "Automobile upkeep" in context["document"]
        assert backups not in included or context["document"].index("Automobile upkeep") < context["document"].index(
            "Nightly backups"
        )


async def test_an_edit_re_embeds_the_entry(db_path: Path, fake: FakeEmbeddings) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        entry = await add(client, CAR)
        await add(client, BACKUPS)
        await caught_up(client)
        response = await client.patch(
            f"/api/knowledge/{entry}", json={"title": "Kennel rules", "body": "The kitten sleeps inside."}
        )
        assert response.status_code == 200
        await caught_up(client)
        [first, *_] = await search(client, "cat", mode="meaning")
        assert first["entry"]["id"] == entry
        hits = await search(client, "automobile sedan", mode="meaning")
        assert all(hit["entry"]["id"] != entry or hit["score"] < 0.1 for hit in hits)


async def test_a_deleted_entry_is_never_found_by_meaning(db_path: Path, fake: FakeEmbeddings) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        entry = await add(client, CAR)
        await caught_up(client)
        assert (await client.delete(f"/api/knowledge/{entry}")).status_code == 200
        assert await search(client, "car", mode="meaning") == []


async def test_a_restart_catches_up_on_what_was_not_embedded(db_path: Path, fake: FakeEmbeddings) -> None:
    fake.fault = Fault.answer(500)
    async with daemon(with_embeddings(db_path, fake)) as client:
        car = await add(client, CAR)
        await add(client, BACKUPS)
        await failing(client, waiting=2)
    fake.fault = None
    async with daemon(with_embeddings(db_path, fake)) as client:
        status = await caught_up(client)
        assert (status["entries"], status["embedded"]) == (2, 2)
        assert (await search(client, "vehicle", mode="meaning"))[0]["entry"]["id"] == car
    texts = len(fake.texts)
    async with daemon(with_embeddings(db_path, fake)) as client:
        await caught_up(client)
        assert (await search(client, "vehicle", mode="meaning"))[0]["entry"]["id"] == car
    assert len(fake.texts) == texts + 1  # the question; the entries' vectors were kept


async def test_a_change_of_model_re_embeds_everything_in_the_background(db_path: Path, fake: FakeEmbeddings) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        car = await add(client, CAR)
        await add(client, BACKUPS)
        assert (await caught_up(client))["dimension"] == 64
    fake.texts.clear()
    async with daemon(with_embeddings(db_path, fake, model="fake/embed-wide")) as client:
        status = await caught_up(client)
        assert status["model"] == "fake/embed-wide"
        assert status["dimension"] == 128
        assert status["embedded"] == 2
        assert (await search(client, "automobile", mode="meaning"))[0]["entry"]["id"] == car
    assert sorted(fake.texts[:2]) == sorted(
        [
            "Automobile upkeep\n\nChange the oil of the sedan every spring.",
            "Nightly backups\n\nThe backup job copies every file at night.",
        ]
    )


async def test_meaning_respects_the_project_and_the_filters(db_path: Path, fake: FakeEmbeddings) -> None:
    async with daemon(with_embeddings(db_path, fake)) as client:
        garage = (await client.post("/api/projects", json={"name": "Garage"})).json()["id"]
        office = (await client.post("/api/projects", json={"name": "Office"})).json()["id"]
        mine = await add(client, CAR, project=garage)
        await add(client, {**CAR, "title": "Automobile fleet"}, project=office)
        shared = await add(client, {**CAR, "kind": "decision", "title": "Automobiles are leased"})
        await caught_up(client)
        hits = await search(client, "car", mode="meaning", project=garage)
        assert {hit["entry"]["id"] for hit in hits} == {mine, shared}
        hits = await search(client, "car", mode="meaning", project=garage, kind="decision")
        assert [hit["entry"]["id"] for hit in hits] == [shared]


@pytest.mark.parametrize(
    ("memory", "message"),
    [
        ({"embedding_model": "nomic-embed-text"}, "is not `provider/model`"),
        ({"embedding_model": "nowhere/model"}, "there is no provider 'nowhere'"),
        ({"embedding_model": "anthropic/claude"}, "which has no embeddings endpoint"),
        ({"embedding_time_limit": 0}, "embedding_time_limit"),
    ],
)
def test_a_bad_embedding_setting_stops_start_up_saying_why(
    tmp_path: Path, memory: dict[str, Any], message: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[memory]\n" + "".join(f"{key} = {value!r}\n" for key, value in memory.items()))
    with pytest.raises(ConfigError, match=message):
        Runtime(load_settings(config, environ={}, db=str(tmp_path / "x.db")), environ={})
