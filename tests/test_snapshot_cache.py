"""The snapshot reuses an unchanged kernel thread's row, and only an unchanged one."""

from mmquest.build_snapshot import build_snapshot
from mmquest.incident_loader import load_incident
from mmquest.world import World

from .conftest import INCIDENTS


def _kthread(world: World):
    return next(
        t for t in sorted(world.machine.tasks.values(), key=lambda t: t.pid) if t.extra.get("kthread")
    )


def test_kthread_row_reused_only_while_unchanged():
    world = World(load_incident(INCIDENTS / "rss-percpu-oom.toml"), 7, preroll=False)
    t = _kthread(world)
    first = {x.pid: x for x in build_snapshot(world).tasks}[t.pid]
    again = {x.pid: x for x in build_snapshot(world).tasks}[t.pid]
    assert again is first  # nothing it shows changed: the same row
    t.cpu_s = first.cpu_s + 2.5
    moved = {x.pid: x for x in build_snapshot(world).tasks}[t.pid]
    assert moved is not first
    assert moved.cpu_s == first.cpu_s + 2.5
    assert moved.kthread and moved.oom_score == 0


def test_cache_rows_equal_fresh_rows_after_steps():
    world = World(load_incident(INCIDENTS / "rss-percpu-oom.toml"), 7, preroll=False)
    for _ in range(5):
        world.step()
        cached = build_snapshot(world).tasks
        world.kthread_infos.clear()
        assert build_snapshot(world).tasks == cached
