"""Warmed worlds: the pre-roll is stored once and loaded after; a bad cache never changes a result."""

import json

import pytest

from mmquest.game import warm
from mmquest.game.headless import read_script, run_headless
from mmquest.incident_loader import resolve


def verdict(inc_id: str, seed: int = 0, lines=None) -> str:
    inc = resolve(inc_id)
    return json.dumps(
        run_headless(inc, seed, read_script(inc.solution) if lines is None else lines).verdict()
    )


# What a run shows of the machine: every counter, task and log line, after some time has passed.
LOOK = [
    "sleep 90",
    "ps aux",
    "cat /proc/vmstat",
    "numastat -m",
    "cat /proc/meminfo",
    "dmesg",
    "perf top",
    "grep -i rss /proc/*/status",
    "sleep 90",
    "ps aux",
    "free -m",
    "dmesg | tail -20",
]


def cache_files():
    return sorted(warm.cache_dir().glob("*.world"))


@pytest.mark.parametrize("inc_id", ["zone-reclaim-hpc", "rss-percpu-oom"])
def test_a_warmed_world_gives_byte_identical_runs(inc_id, monkeypatch):
    cold = verdict(inc_id, 3, LOOK)  # pre-rolls and stores
    assert len(cache_files()) == 1
    calls = []
    real_preroll = warm.World._preroll
    monkeypatch.setattr(warm.World, "_preroll", lambda self, s: calls.append(s) or real_preroll(self, s))
    warmed = verdict(inc_id, 3, LOOK)  # loads
    assert calls == []  # no pre-roll the second time
    assert warmed == cold
    monkeypatch.setattr(warm, "load", lambda inc, seed: None)  # never cached at all
    assert verdict(inc_id, 3, LOOK) == cold


def test_the_cache_is_per_seed_and_per_model_version(monkeypatch):
    verdict("thp-compound-lock", 0)
    verdict("thp-compound-lock", 1)
    assert len(cache_files()) == 2
    warm.model_version.cache_clear()
    monkeypatch.setattr(warm, "_MODEL_SOURCES", ("world.py",))  # the model changed: another key
    try:
        inc = resolve("thp-compound-lock")
        assert warm.load(inc, 0) is None
    finally:
        warm.model_version.cache_clear()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "not-a-world", "empty"])
def test_a_damaged_cache_is_recomputed_never_a_crash_or_another_result(damage):
    good = verdict("thp-compound-lock")
    (path,) = cache_files()
    blob = path.read_bytes()
    if damage == "garbage":
        bad = b"\x80\x04garbage" * 100
    elif damage == "truncated":
        bad = blob[: len(blob) // 2]
    elif damage == "flipped":
        i = len(blob) - 100
        bad = blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1 :]
    elif damage == "not-a-world":  # a valid file around something else
        import hashlib
        import pickle

        payload = pickle.dumps({"not": "a world"})
        bad = warm.MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    else:
        bad = b""
    path.write_bytes(bad)
    assert warm.load(resolve("thp-compound-lock"), 0) is None
    assert verdict("thp-compound-lock") == good
    assert path.read_bytes() == blob  # stored again, as it was


def test_an_unwritable_data_dir_still_plays(tmp_path, monkeypatch):
    f = tmp_path / "a-file"
    f.write_text("")
    monkeypatch.setenv("MMQUEST_HOME", str(f))  # a file where the directory should be
    assert json.loads(verdict("thp-compound-lock"))["resolved"]


def test_old_warmed_worlds_are_pruned(monkeypatch):
    monkeypatch.setattr(warm, "KEEP_FILES", 2)
    for seed in range(4):
        verdict("thp-compound-lock", seed)
    assert len(cache_files()) == 2
