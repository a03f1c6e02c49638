"""Every history, log and table the model keeps is bounded, however long it runs.

The real figure (VmRSS after 24 simulated hours against after 1 hour) is measured by
bench/soak.py; these tests check the cheaper proxy: the length of every container
stays under its bound after many ticks, with the bounds shrunk so a short run fills them.
"""

import numpy as np
import pytest

from mmquest import series as series_mod
from mmquest.game import Session
from mmquest.incident_loader import resolve
from mmquest.kernel import printk
from mmquest.kernel.machine import TaskTable
from mmquest.kernel.printk import LogBuf, record_size
from mmquest.series import Series
from mmquest.snapshot import HISTORY_SHOWN
from mmquest.world import World


# ---------------------------------------------------------------------- the kernel log ring
def test_log_buf_is_a_ring_of_bytes_that_keeps_the_newest_records():
    log = LogBuf(size=4096)
    for i in range(1000):
        log.append((float(i), f"line {i:04d} " + "x" * 40))
    assert log.used <= 4096
    assert log.used == sum(record_size(text) for _, text in log)
    assert log[-1] == (999.0, "line 0999 " + "x" * 40)
    first = int(log[0][1].split()[1])
    assert first == 1000 - len(log)  # what is left is a contiguous tail
    assert log.dropped == first
    assert log.tail(3) == tuple(list(log)[-3:])


def test_record_size_is_header_plus_text_aligned_to_8():
    assert record_size("") == 16
    assert record_size("a") == 24
    assert record_size("12345678") == 24
    assert record_size("123456789") == 32


def test_a_record_longer_than_the_ring_is_truncated_not_an_endless_loop():
    log = LogBuf(size=256)
    log.append((0.0, "y" * 10_000))
    assert len(log) == 1 and log.used <= 256


# ---------------------------------------------------------------------- the series
def test_series_keeps_every_row_until_it_fills_then_halves_its_resolution():
    s = Series(recent=10, long_points=16)
    rows = [(0.5 * (i + 1), float(i), 2.0 * i) for i in range(15)]
    for r in rows:
        s.append(r)
    assert list(s) == rows  # a short run: the whole-run view is exact
    for i in range(15, 1000):
        s.append((0.5 * (i + 1), float(i), 2.0 * i))
    assert len(s.recent) == 10 and s.recent[-1] == (500.0, 999.0, 1998.0)
    assert len(s) <= 16
    pts = list(s)
    assert pts[-1][0] == 500.0  # the last point ends at the last tick
    assert [p[0] for p in pts] == sorted(p[0] for p in pts)
    # Points are means: a linear ramp keeps its overall mean.
    per = s._per
    full = [p for p in pts[: len(pts) - (1 if s._nacc else 0)]]
    assert np.mean([p[1] for p in full]) == pytest.approx(np.mean(range(len(full) * per)))


def test_series_reader_gets_each_new_row_once():
    s = Series(recent=8)
    seen = 0
    got = []
    for i in range(30):
        s.append((float(i), 1.0, 1.0))
        if i % 5 == 4:
            new = s.since(seen)
            got += [r[0] for r in new]
            seen += len(new)
    assert got == [float(i) for i in range(30)]
    with pytest.raises(RuntimeError):
        s.since(0)  # fell behind by more than it keeps


# ---------------------------------------------------------------------- the task table
def test_task_table_sums_match_a_loop_over_the_tasks_bit_for_bit():
    w = World(resolve("zone-reclaim"), 0, preroll=False)
    m = w.machine
    rng = np.random.default_rng(5)
    for _round in range(40):
        for _ in range(50):
            t = m.spawn("w", int(rng.integers(1, 9)), [0.5, 0.5])
            t.anon += rng.random(2) * 1e5 * rng.choice([1e-3, 1.0, 1e3])
            t.file += rng.random(2) * 3e4
            t.state = "R" if rng.random() < 0.3 else "S"
        for pid in list(m.tasks)[::3]:
            if m.tasks[pid].comm == "w":
                m.kill_task(m.tasks[pid])
        loop_anon, loop_file = np.zeros(2), np.zeros(2)
        for t in m.tasks.values():
            loop_anon += t.anon
            loop_file += t.file
        assert np.array_equal(m.anon_pages(), loop_anon)
        assert np.array_equal(m.mapped_pages(), loop_file)
        assert m.task_table.active_threads() == sum(
            t.threads for t in m.tasks.values() if t.state in ("R", "D")
        )
    assert m.task_table.capacity <= 2 * len(m.tasks) + 64


def test_a_dead_task_keeps_what_it_had_and_leaves_the_totals():
    w = World(resolve("zone-reclaim"), 0, preroll=False)
    m = w.machine
    before = m.anon_pages().copy()
    t = m.spawn("x", 1, [1.0, 0.0])
    t.anon += 1000.0
    assert m.anon_pages()[0] == before[0] + 1000.0
    t.alive = False  # what stop_tasks() does
    m.tasks = {p: x for p, x in m.tasks.items() if x.alive}
    assert t.anon[0] == 1000.0
    assert np.array_equal(m.anon_pages(), before)


def test_task_table_compacts_in_spawn_order():
    tab = TaskTable(2, capacity=4)
    w = World(resolve("zone-reclaim"), 0, preroll=False)
    m = w.machine
    m.task_table = tab
    m.tasks = {}
    ts = [m.spawn(f"t{i}", 1, [1.0, 0.0]) for i in range(4)]
    for i, t in enumerate(ts):
        t.anon[0] = i
    ts[1].alive = False
    t5 = m.spawn("t5", 1, [1.0, 0.0])  # the table was full: compact, then add
    assert [t.comm for t in tab.tasks] == ["t0", "t2", "t3", "t5"]
    assert [t.anon[0] for t in (ts[0], ts[2], ts[3])] == [0.0, 2.0, 3.0]
    assert t5._slot == 3


# ---------------------------------------------------------------------- a long run
@pytest.mark.parametrize("incident, seconds", [("rss-percpu-oom", 600), ("zone-reclaim", 120)])
def test_every_container_stays_bounded_over_a_long_run(incident, seconds, monkeypatch):
    monkeypatch.setattr(series_mod, "RECENT_TICKS", 40)
    monkeypatch.setattr(series_mod, "LONG_POINTS", 64)
    monkeypatch.setattr(printk, "LOG_BUF_LEN", 8192)
    s = Session(resolve(incident), 0, keep_steps=20)
    sizes = []
    for _ in range(2):
        s.advance(seconds)
        for _i in range(30):
            s.command("uptime")
        w = s.world
        sizes.append(
            {
                "recent": len(w.history.recent),
                "history": len(w.history),
                "rss": max([len(v) for v in w.rss_history.values()] or [0]),
                "rss_recent": max([len(v.recent) for v in w.rss_history.values()] or [0]),
                "dmesg": w.machine.dmesg.used,
                "table": w.machine.task_table.capacity,
                "steps": len(s.engine.steps),
                "starts": max(len(getattr(x, "_starts", ())) for x in w.workloads),
                "perf": len(w.machine.perf.window),
                "ev": len(w.machine.ev),
                "shell_history": len(s.engine.shell.history),
            }
        )
    first, last = sizes
    assert last["recent"] == 40 and last["history"] <= 64
    assert last["rss"] <= 64 and last["rss_recent"] <= HISTORY_SHOWN
    assert last["dmesg"] <= 8192
    if incident == "rss-percpu-oom":  # OOM reports and restarts: the ring has wrapped
        assert s.world.machine.dmesg.dropped > 0
    assert last["steps"] == 20
    assert last["table"] <= 2 * len(s.world.machine.tasks) + 64
    assert last["starts"] <= 6
    # nothing else grows with time: the second half hour ends where the first did
    for k in ("perf", "ev", "table"):
        assert last[k] <= first[k] + 8, k
    assert last["shell_history"] == 60  # what was typed, up to HISTSIZE


def test_shell_history_is_bounded_like_bash_histsize(monkeypatch):
    from mmquest.engine import Engine
    from mmquest.shell import core

    monkeypatch.setattr(core, "HISTSIZE", 5)
    eng = Engine(World(resolve("zone-reclaim"), 0, preroll=False))
    for i in range(12):
        eng.execute(f"echo {i}")
    assert eng.shell.history == [f"echo {i}" for i in range(7, 12)]
    out = eng.execute("history").output.splitlines()
    assert out[0].split(None, 1) == ["9", "echo 8"]  # numbering goes on, as bash's does
    assert out[-1].split(None, 1) == ["13", "history"]


def test_assigning_a_tasks_pages_writes_into_its_row():
    w = World(resolve("zone-reclaim"), 0, preroll=False)
    m = w.machine
    before = m.anon_pages().copy()
    t = m.spawn("x", 1, [1.0, 0.0])
    t.anon = np.array([700.0, 0.0])  # rebinding, not an in-place update: the totals still see it
    t.file += 5.0
    assert m.anon_pages()[0] == before[0] + 700.0
    assert np.shares_memory(t.anon, m.task_table.anon)
