"""kswapd-watermark-herd on the whole machine: the herd, the fixes and the model off its calibration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mmquest.game.session import Session
from mmquest.incident_loader import load_incident

ROOT = Path(__file__).resolve().parent.parent
TOML = ROOT / "incidents" / "kswapd-watermark-herd.toml"


def variant(tmp_path: Path, edits: list[tuple[str, str]]):
    text = TOML.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / TOML.name).write_text(text)
    shutil.copy(TOML.with_suffix(".solution"), tmp_path)
    return load_incident(tmp_path / TOML.name)


def run(inc, lines: list[str], seconds: float = 600.0, seed: int = 2) -> Session:
    s = Session(inc, seed)
    s.advance(30.0)
    for line in lines:
        s.command(line)
        while s.world.booting:
            s.advance(5.0)
    before = s.world.snapshot().vm_value("allocstall")
    s.advance(seconds)
    s.allocstalls = s.world.snapshot().vm_value("allocstall") - before  # type: ignore[attr-defined]
    return s


def p99(s: Session) -> float:
    svc = s.world.snapshot().service("objects")
    assert svc is not None
    return svc.p99_ms


def test_left_alone_the_herd_keeps_coming_and_the_spikes_break_the_slo():
    s = run(load_incident(TOML), [])
    assert s.allocstalls > 1000  # type: ignore[attr-defined]
    assert p99(s) > 20.0 and not s.judge.resolved


@pytest.mark.parametrize(
    "lines",
    [["kexec -l /boot/vmlinuz-4.6.0", "kexec -e"], ["sysctl -w vm.min_free_kbytes=1048576"]],
)
def test_scaled_watermarks_or_a_1_gb_reserve_stop_the_herd(lines):
    inc = load_incident(TOML)
    left = run(inc, [])
    s = run(inc, lines)
    # a few stalls remain (two bursts back to back; the refill after a reboot), not the herd
    assert s.allocstalls < 0.05 * left.allocstalls  # type: ignore[attr-defined]
    assert p99(s) < 10.0 and s.judge.resolved


def test_the_reserve_workaround_scores_below_the_kernel_fix():
    inc = load_incident(TOML)
    reserve = run(inc, ["sysctl -w vm.min_free_kbytes=1048576"])
    kernel = run(inc, ["kexec -l /boot/vmlinuz-4.6.0", "kexec -e"])
    assert reserve.score().total < kernel.score().total


def test_a_quarter_gb_reserve_is_not_enough_for_the_longer_bursts():
    s = run(load_incident(TOML), ["sysctl -w vm.min_free_kbytes=262144"])
    assert s.allocstalls > 0 and not s.judge.resolved  # type: ignore[attr-defined]


def test_off_calibration_a_bigger_box_on_the_old_kernel_herds_as_much(tmp_path):
    big = variant(tmp_path, [("mem_per_node_mb = 143360", "mem_per_node_mb = 286720")])
    s = run(big, [])
    # min_free_kbytes grows with sqrt(memory) but the gap stays about 17 MB: the herd stays
    assert s.world.snapshot().sysctl_value("vm.min_free_kbytes") < 70000
    assert s.allocstalls > 1000 and not s.judge.resolved  # type: ignore[attr-defined]


def test_off_calibration_harder_bursts_on_4_6_need_the_scale_factor(tmp_path):
    nvme = variant(
        tmp_path,
        [('kernel = "4.0.9"', 'kernel = "4.6.0"'), ("burst_gb_s = 3.2", "burst_gb_s = 6.4")],
    )
    left = run(nvme, [])
    assert left.allocstalls > 1000 and not left.judge.resolved  # type: ignore[attr-defined]
    tuned = run(nvme, ["sysctl -w vm.watermark_scale_factor=100"])
    assert tuned.allocstalls < 0.05 * left.allocstalls and tuned.judge.resolved  # type: ignore[attr-defined]
