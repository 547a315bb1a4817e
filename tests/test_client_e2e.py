"""The generated client (`contextstack_client`) drives a real daemon process, sync and async."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextstack_client import AuthenticatedClient, Client
from contextstack_client.api.phases import create_phase
from contextstack_client.api.plan import get_project_plan
from contextstack_client.api.projects import create_project, delete_project, get_project, list_projects, update_project
from contextstack_client.api.status import get_project_status
from contextstack_client.api.steps import change_step_status, create_step
from contextstack_client.api.system import get_health
from contextstack_client.api.tracks import create_track
from contextstack_client.models import (
    Deleted,
    Health,
    Phase,
    PhaseCreate,
    Plan,
    Problem,
    Project,
    ProjectCreate,
    ProjectList,
    ProjectUpdate,
    StatusChange,
    StatusReport,
    Step,
    StepCreate,
    Track,
    TrackCreate,
)
from tests.conftest import Daemon, start_daemon, stop_daemon

pytestmark = pytest.mark.e2e


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
