"""Any sequence of creates, moves and deletes keeps positions 0..n-1 under every parent and the tree whole.

Each example drives the services over a real store and a simple in-memory model side by side, then compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contextstack.errors import Invalid
from contextstack.plan import service as plan_service
from contextstack.plan import steps as step_service
from contextstack.plan.models import Move, PhaseCreate, ProjectCreate, StepCreate, TrackCreate
from contextstack.plan.service import create_project
from contextstack.storage import Database

ACTOR = "api"

index = st.integers(min_value=0, max_value=30)
position = st.integers(min_value=0, max_value=5)
maybe_position = st.none() | position
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create_track"), maybe_position),
        st.tuples(st.just("create_phase"), index, maybe_position),
        st.tuples(st.just("create_step"), index, maybe_position),
        st.tuples(st.just("move_track"), index, position),
        st.tuples(st.just("move_phase"), index, st.none() | index, position),
        st.tuples(st.just("move_step"), index, st.none() | index, position),
        st.tuples(st.just("move_into_other_project"), index),
        st.tuples(st.just("delete_track"), index),
        st.tuples(st.just("delete_phase"), index),
        st.tuples(st.just("delete_step"), index),
    ),
    min_size=1,
    max_size=30,
)
# The plan an example starts from: tracks, each a list of phases, each a number of steps.
shapes = st.lists(st.lists(st.integers(min_value=0, max_value=3), max_size=3), min_size=1, max_size=3)


@dataclass
class Model:
    """What the plan should be: children of each parent, in order."""

    project: str
    tracks: list[str] = field(default_factory=list)
    phases: dict[str, list[str]] = field(default_factory=dict)
    steps: dict[str, list[str]] = field(default_factory=dict)

    def all_phases(self) -> list[str]:
        return [phase for track in self.tracks for phase in self.phases[track]]

    def all_steps(self) -> list[str]:
        return [step for phase in self.all_phases() for step in self.steps[phase]]

    def parent_of(self, children: dict[str, list[str]], item: str) -> str:
        return next(parent for parent, items in children.items() if item in items)


def pick(items: list[str], i: int | None) -> str | None:
    return items[i % len(items)] if items and i is not None else None


async def apply(db: Database, model: Model, other_phase: str, operation: tuple[Any, ...]) -> None:
    """Run one operation on the store and on the model; an out-of-range one must be refused on both."""
    kind, *args = operation
    if kind == "create_track":
        (at,) = args
        if at is not None and at > len(model.tracks):
            with pytest.raises(Invalid):
                await plan_service.create_track(db, model.project, TrackCreate(name="t", position=at), ACTOR)
            return
        track = await plan_service.create_track(db, model.project, TrackCreate(name="t", position=at), ACTOR)
        model.tracks.insert(len(model.tracks) if at is None else at, track.id)
        model.phases[track.id] = []
    elif kind in ("create_phase", "create_step"):
        i, at = args
        parents, children = (
            (model.tracks, model.phases) if kind == "create_phase" else (model.all_phases(), model.steps)
        )
        parent = pick(parents, i)
        if parent is None:
            return
        if at is not None and at > len(children[parent]):
            with pytest.raises(Invalid):
                await create_child(db, kind, parent, at)
            return
        child = await create_child(db, kind, parent, at)
        children[parent].insert(len(children[parent]) if at is None else at, child)
        if kind == "create_phase":
            model.steps[child] = []
    elif kind == "move_track":
        i, at = args
        track = pick(model.tracks, i)
        if track is None:
            return
        if at >= len(model.tracks):
            with pytest.raises(Invalid):
                await plan_service.move_track(db, track, Move(position=at), ACTOR)
            return
        await plan_service.move_track(db, track, Move(position=at), ACTOR)
        model.tracks.remove(track)
        model.tracks.insert(at, track)
    elif kind in ("move_phase", "move_step"):
        i, j, at = args
        items, parents, children = (
            (model.all_phases(), model.tracks, model.phases)
            if kind == "move_phase"
            else (model.all_steps(), model.all_phases(), model.steps)
        )
        item = pick(items, i)
        if item is None:
            return
        old = model.parent_of(children, item)
        new = pick(parents, j) or old
        room = len(children[new]) - (1 if new == old else 0)
        move = plan_service.move_phase if kind == "move_phase" else step_service.move_step
        if at > room:
            with pytest.raises(Invalid):
                await move(db, item, Move(position=at, parent=pick(parents, j)), ACTOR)
            return
        await move(db, item, Move(position=at, parent=pick(parents, j)), ACTOR)
        children[old].remove(item)
        children[new].insert(at, item)
    elif kind == "move_into_other_project":
        (i,) = args
        step = pick(model.all_steps(), i)
        if step is not None:
            with pytest.raises(Invalid):
                await step_service.move_step(db, step, Move(position=0, parent=other_phase), ACTOR)
    elif kind == "delete_track":
        track = pick(model.tracks, args[0])
        if track is not None:
            await plan_service.delete_track(db, track, ACTOR)
            model.tracks.remove(track)
            for phase in model.phases.pop(track):
                del model.steps[phase]
    elif kind == "delete_phase":
        phase = pick(model.all_phases(), args[0])
        if phase is not None:
            await plan_service.delete_phase(db, phase, ACTOR)
            model.phases[model.parent_of(model.phases, phase)].remove(phase)
            del model.steps[phase]
    elif kind == "delete_step":
        step = pick(model.all_steps(), args[0])
        if step is not None:
            await step_service.delete_step(db, step, ACTOR)
            model.steps[model.parent_of(model.steps, step)].remove(step)


async def create_child(db: Database, kind: str, parent: str, at: int | None) -> str:
    if kind == "create_phase":
        return (await plan_service.create_phase(db, parent, PhaseCreate(name="p", position=at), ACTOR)).id
    return (await step_service.create_step(db, parent, StepCreate(title="s", position=at), ACTOR)).id


async def children_in_store(db: Database, table: str, parent_column: str, project: str) -> dict[str, list[str]]:
    """Each parent's children in position order, after checking the positions are exactly 0..n-1."""
    rows = await db.fetchall(
        f"SELECT {parent_column}, id, position FROM {table} WHERE project_id = ? ORDER BY {parent_column}, position",
        (project,),
    )
    found: dict[str, list[str]] = {}
    for parent, item, at in rows:
        assert at == len(found.setdefault(parent, [])), f"{table}: {item} at {at} under {parent}"
        found[parent].append(item)
    return found


async def assert_store_matches(db: Database, model: Model) -> None:
    tracks = await children_in_store(db, "tracks", "project_id", model.project)
    assert tracks.get(model.project, []) == model.tracks
    assert await children_in_store(db, "phases", "track_id", model.project) == {
        track: phases for track, phases in model.phases.items() if phases
    }
    assert await children_in_store(db, "steps", "phase_id", model.project) == {
        phase: steps for phase, steps in model.steps.items() if steps
    }
    plan = await plan_service.get_plan(db, model.project)
    assert [track.id for track in plan.tracks] == model.tracks
    assert [phase.id for track in plan.tracks for phase in track.phases] == model.all_phases()
    assert [step.id for t in plan.tracks for p in t.phases for step in p.steps] == model.all_steps()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=shapes, operations=operations)
async def test_positions_stay_contiguous_and_the_tree_consistent(
    db: Database, shape: list[list[int]], operations: list[Any]
) -> None:
    # One store for every example; each example works in projects of its own.
    model = Model(project=(await create_project(db, ProjectCreate(name="plan"), ACTOR)).id)
    other = await create_project(db, ProjectCreate(name="other"), ACTOR)
    other_track = await plan_service.create_track(db, other.id, TrackCreate(name="t"), ACTOR)
    other_phase = await plan_service.create_phase(db, other_track.id, PhaseCreate(name="p"), ACTOR)
    for t, phases in enumerate(shape):
        await apply(db, model, other_phase.id, ("create_track", None))
        for steps in phases:
            await apply(db, model, other_phase.id, ("create_phase", t, None))
            for _ in range(steps):
                await apply(db, model, other_phase.id, ("create_step", len(model.all_phases()) - 1, None))
    await assert_store_matches(db, model)
    for operation in operations:
        await apply(db, model, other_phase.id, operation)
        await assert_store_matches(db, model)
    untouched = await plan_service.get_plan(db, other.id)
    assert [p.steps for t in untouched.tracks for p in t.phases] == [[]]
