"""The generated client (`contextstack_client`) drives a real daemon process, sync and async."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextstack_client import AuthenticatedClient, Client
from contextstack_client.api.context import get_project_context
from contextstack_client.api.events import list_project_activity, stream_events
from contextstack_client.api.knowledge import (
    create_knowledge,
    create_knowledge_bulk,
    list_knowledge,
    search_knowledge,
    update_knowledge,
)
from contextstack_client.api.phases import create_phase
from contextstack_client.api.plan import get_project_plan
from contextstack_client.api.projects import create_project, delete_project, get_project, list_projects, update_project
from contextstack_client.api.providers import list_models, list_providers
from contextstack_client.api.status import get_project_status
from contextstack_client.api.steps import change_step_status, create_step
from contextstack_client.api.system import get_health
from contextstack_client.api.tracks import create_track
from contextstack_client.models import (
    ActivityPage,
    AssembledContext,
    Deleted,
    Health,
    KnowledgeBulkCreate,
    KnowledgeBulkCreated,
    KnowledgeCreate,
    KnowledgeEntry,
    KnowledgeList,
    KnowledgeSearchResult,
    KnowledgeUpdate,
    ModelList,
    Phase,
    PhaseCreate,
    Plan,
    Problem,
    Project,
    ProjectCreate,
    ProjectList,
    ProjectUpdate,
    ProviderList,
    StatusChange,
    StatusReport,
    Step,
    StepCreate,
    Track,
    TrackCreate,
)
from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes.fixtures import fake_openai, fake_openai_server, no_provider_keys
from tests.fakes.openai_upstream import FakeOpenAI

pytestmark = pytest.mark.e2e

__all__ = ["fake_openai", "fake_openai_server", "no_provider_keys"]


def test_sync_client_reads_health(daemon: Daemon) -> None:
    with Client(base_url=daemon.url) as client:
        health = get_health.sync(client=client)
    assert isinstance(health, Health)
    assert health.status == "ok"
    assert health.database == str(daemon.db)


def test_sync_client_creates_reads_updates_and_deletes_a_project(daemon: Daemon) -> None:
    with Client(base_url=daemon.url, headers={"X-Contextstack-Actor": "user"}) as client:
        created = create_project.sync_detailed(
            client=client, body=ProjectCreate(name="Client test", instructions="Answer in English.")
        )
        assert created.status_code == 201
        project = created.parsed
        assert isinstance(project, Project)
        assert (project.slug, project.version, created.headers["etag"]) == ("client-test", 1, '"1"')

        fetched = get_project.sync(project.slug, client=client)
        assert isinstance(fetched, Project)
        assert fetched.id == project.id

        listed = list_projects.sync(client=client, status="active")
        assert isinstance(listed, ProjectList)
        assert [item.id for item in listed.items] == [project.id]

        updated = update_project.sync(project.id, client=client, body=ProjectUpdate(status="archived"), if_match='"1"')
        assert isinstance(updated, Project)
        assert (updated.status, updated.version) == ("archived", 2)

        deleted = delete_project.sync(project.id, client=client, if_match='"2"')
        assert isinstance(deleted, Deleted)
        assert deleted.id == project.id


async def test_async_client_creates_lists_and_deletes_a_project(daemon: Daemon) -> None:
    async with Client(base_url=daemon.url) as client:
        for name in ("First", "Second", "Third"):
            assert isinstance(await create_project.asyncio(client=client, body=ProjectCreate(name=name)), Project)

        first = await list_projects.asyncio(client=client, limit=2)
        assert isinstance(first, ProjectList)
        assert first.next_cursor is not None
        rest = await list_projects.asyncio(client=client, limit=2, cursor=first.next_cursor)
        assert isinstance(rest, ProjectList)
        assert [p.slug for p in first.items + rest.items] == ["first", "second", "third"]

        assert isinstance(await delete_project.asyncio("second", client=client), Deleted)
        gone = await get_project.asyncio_detailed("second", client=client)
        assert gone.status_code == 404
        assert isinstance(gone.parsed, Problem)


async def test_async_client_builds_a_plan_and_reads_where_it_stands(daemon: Daemon) -> None:
    async with Client(base_url=daemon.url) as client:
        assert isinstance(await create_project.asyncio(client=client, body=ProjectCreate(name="Plan")), Project)
        track = await create_track.asyncio("plan", client=client, body=TrackCreate(name="Main"))
        assert isinstance(track, Track)
        phase = await create_phase.asyncio(track.id, client=client, body=PhaseCreate(name="First"))
        assert isinstance(phase, Phase)
        first = await create_step.asyncio(phase.id, client=client, body=StepCreate(title="Design"))
        assert isinstance(first, Step)
        second = await create_step.asyncio(
            phase.id, client=client, body=StepCreate(title="Build", depends_on=[first.id], acceptance_criteria=["runs"])
        )
        assert isinstance(second, Step)

        early = await change_step_status.asyncio_detailed(
            second.id, client=client, body=StatusChange(status="in_progress")
        )
        assert early.status_code == 409
        assert isinstance(early.parsed, Problem)
        assert first.id in early.parsed.detail

        done = await change_step_status.asyncio(first.id, client=client, body=StatusChange(status="done"))
        assert isinstance(done, Step)
        assert done.finished_at is not None

        plan = await get_project_plan.asyncio("plan", client=client)
        assert isinstance(plan, Plan)
        assert [step.title for step in plan.tracks[0].phases[0].steps] == ["Design", "Build"]

        report = await get_project_status.asyncio("plan", client=client)
        assert isinstance(report, StatusReport)
        assert (report.counts.done, report.counts.total, report.counts.percent_done) == (1, 2, 50.0)
        assert [step.id for step in report.next_steps] == [second.id]
        assert report.next_steps[0].acceptance_criteria == ["runs"]


def test_sync_client_records_and_searches_knowledge(daemon: Daemon) -> None:
    with Client(base_url=daemon.url) as client:
        assert isinstance(create_project.sync(client=client, body=ProjectCreate(name="Memory")), Project)
        decision = create_knowledge.sync(
            client=client,
            body=KnowledgeCreate(
                kind="decision", title="Use SQLite", body="One file the user owns.", project="memory", pinned=True
            ),
        )
        assert isinstance(decision, KnowledgeEntry)
        assert (decision.kind, decision.pinned, decision.version) == ("decision", True, 1)

        bulk = create_knowledge_bulk.sync(
            client=client,
            body=KnowledgeBulkCreate(
                items=[
                    KnowledgeCreate(kind="convention", title=f"Convention {n}", body=f"Rule number {n}.")
                    for n in range(3)
                ]
            ),
        )
        assert isinstance(bulk, KnowledgeBulkCreated)
        assert len(bulk.ids) == 3

        found = search_knowledge.sync(client=client, q="sqlite", project="memory")
        assert isinstance(found, KnowledgeSearchResult)
        assert [hit.entry.id for hit in found.items] == [decision.id]

        updated = update_knowledge.sync(decision.id, client=client, body=KnowledgeUpdate(pinned=False), if_match='"1"')
        assert isinstance(updated, KnowledgeEntry)
        assert updated.pinned is False

        conventions = list_knowledge.sync(client=client, kind="convention")
        assert isinstance(conventions, KnowledgeList)
        assert sorted(entry.id for entry in conventions.items) == sorted(bulk.ids)


async def test_async_client_pulls_a_projects_context_within_a_budget(daemon: Daemon) -> None:
    async with Client(base_url=daemon.url) as client:
        project = ProjectCreate(name="Context", instructions="Answer in English.")
        assert isinstance(await create_project.asyncio(client=client, body=project), Project)
        entry = KnowledgeCreate(kind="constraint", title="No cloud", body="Everything stays local.", project="context")
        assert isinstance(await create_knowledge.asyncio(client=client, body=entry), KnowledgeEntry)

        context = await get_project_context.asyncio("context", client=client, query="cloud")
        assert isinstance(context, AssembledContext)
        assert context.project_slug == "context"
        assert "Answer in English." in context.document
        assert "No cloud" in context.document
        assert context.tokens <= context.budget
        assert [(item.title, item.included) for item in context.manifest] == [("No cloud", True)]

        tiny = await get_project_context.asyncio("context", client=client, budget=5)
        assert isinstance(tiny, AssembledContext)
        assert tiny.tokens <= 5
        assert [item.reason for item in tiny.manifest] == ["budget"]

        missing = await get_project_context.asyncio_detailed("nope", client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, Problem)


def test_sync_client_reads_a_projects_activity_and_follows_the_event_stream(daemon: Daemon) -> None:
    with Client(base_url=daemon.url, headers={"X-Contextstack-Actor": "ai:test/model"}) as client:
        project = create_project.sync(client=client, body=ProjectCreate(name="Watched"))
        assert isinstance(project, Project)
        assert isinstance(update_project.sync("watched", client=client, body=ProjectUpdate(description="x")), Project)

        activity = list_project_activity.sync("watched", client=client, type_="project.")
        assert isinstance(activity, ActivityPage)
        assert [(e.type_, e.actor, e.entity_id) for e in activity.items] == [
            ("project.updated", "ai:test/model", project.id),
            ("project.created", "ai:test/model", project.id),
        ]

        # The stream never ends, so it is read through the client's own httpx client, which keeps its settings.
        with client.get_httpx_client().stream("GET", "/api/events", params={"since": 0}) as stream:
            ids = []
            for line in stream.iter_lines():
                if line.startswith("id: "):
                    ids.append(int(line.removeprefix("id: ")))
                if len(ids) == 2:
                    break
        assert ids == sorted(event.id for event in activity.items)


async def test_async_client_gets_a_typed_problem_for_a_stream_it_cannot_resume(daemon: Daemon) -> None:
    async with Client(base_url=daemon.url) as client:
        refused = await stream_events.asyncio_detailed(client=client, since=10**9)
        assert refused.status_code == 400
        assert isinstance(refused.parsed, Problem)
        assert "another store" in refused.parsed.detail
        bad_header = await stream_events.asyncio_detailed(client=client, last_event_id="yesterday")
        assert isinstance(bad_header.parsed, Problem)
        assert isinstance(bad_header.parsed.errors, list)
        assert bad_header.parsed.errors[0].field == "header.Last-Event-ID"


def test_errors_arrive_as_typed_problems(daemon: Daemon) -> None:
    with Client(base_url=daemon.url) as client:
        invalid = create_project.sync_detailed(client=client, body=ProjectCreate(name=""))
        assert invalid.status_code == 400
        assert isinstance(invalid.parsed, Problem)
        assert isinstance(invalid.parsed.errors, list)
        assert invalid.parsed.errors[0].field == "body.name"

        project = create_project.sync(client=client, body=ProjectCreate(name="Stale"))
        assert isinstance(project, Project)
        stale = update_project.sync_detailed(
            project.id, client=client, body=ProjectUpdate(description="late"), if_match='"7"'
        )
        assert stale.status_code == 412
        assert isinstance(stale.parsed, Problem)
        assert "version 1" in stale.parsed.detail

        duplicate = create_project.sync_detailed(client=client, body=ProjectCreate(name="Again", slug="stale"))
        assert duplicate.status_code == 409
        assert isinstance(duplicate.parsed, Problem)


async def test_authenticated_client_passes_a_token_protected_daemon(tmp_path: Path) -> None:
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_TOKEN": "t0ken"})
    try:
        async with Client(base_url=running.url) as anonymous:
            assert (await list_projects.asyncio_detailed(client=anonymous)).status_code == 401
        async with AuthenticatedClient(base_url=running.url, token="t0ken") as client:
            assert isinstance(await list_projects.asyncio(client=client), ProjectList)
    finally:
        stop_daemon(running)


async def test_async_client_lists_providers_and_models_without_keys(
    tmp_path: Path, fake_openai: FakeOpenAI, no_provider_keys: None
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.work]\nbase_url = "{fake_openai.url}"\napi_key = "sk-work-secret"\nmodels = ["work-large"]\n'
        '[providers.ollama]\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[providers.lmstudio]\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[aliases]\nbig = "work/work-large"\n'
    )
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
    try:
        async with Client(base_url=running.url) as client:
            answer = await list_providers.asyncio_detailed(client=client)
            providers = answer.parsed
            assert isinstance(providers, ProviderList)
            [work] = [provider for provider in providers.items if provider.name == "work"]
            assert (work.key_set, work.builtin, work.kind) == (True, False, "openai")
            assert b"sk-work-secret" not in answer.content

            models = await list_models.asyncio(client=client)
            assert isinstance(models, ModelList)
            ids = [model.id for model in models.items]
            assert "work/work-large" in ids
            assert "big" in ids
    finally:
        stop_daemon(running)
