"""Broken incident files, generated from one base incident plus a small edit each.

Each case is (file name, edit, the message ``validate`` must print for it: in BAD the whole
message after the file name, in HOSTILE its start).  The base is
incident 1's file without its solution line, so that a case fails for its own reason and
for nothing else; when the incident format grows, every case follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .conftest import base_toml

Edit = Callable[[str], str]


def sub(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, f"the base incident has no {old!r}"
        return text.replace(old, new, 1)

    return edit


def after(anchor: str, added: str) -> Edit:
    return sub(anchor, anchor + added)


def raw(text: str) -> Edit:
    return lambda _: text


def _first_workload(text: str) -> str:
    start = text.index("[[workload]]")
    return text[start : text.index("[[workload]]", start + 1)]


def _many_workloads(n: int) -> Edit:
    return lambda text: text.replace("[slo]", _first_workload(text) * n + "[slo]", 1)


def _many_hints(n: int) -> Edit:
    hints = "".join(f'[[hint]]\ntier = 1\ntext = "hint {i}"\n\n' for i in range(n))
    return lambda text: text + "\n" + hints


# ------------------------------------------------------------------ schema mistakes
BAD = [
    (
        "syntax_error.toml",
        raw('id = "x"\n[machine\nnodes = 2\n'),
        "TOML syntax error: Expected ']' at the end of a table declaration (at line 2, column 9)",
    ),
    (
        "missing_field.toml",
        sub('title = "The database that forgot its cache"\n', ""),
        "title: missing required field",
    ),
    (
        "wrong_type.toml",
        sub("cpus_per_node = 16", 'cpus_per_node = "sixteen"'),
        "machine.cpus_per_node: expected an integer, got str 'sixteen'",
    ),
    (
        "unknown_sysctl.toml",
        sub("[slo]", '[sysctl]\n"vm.flux_capacitor" = 1\n\n[slo]'),
        "sysctl.vm.flux_capacitor: unknown sysctl 'vm.flux_capacitor'",
    ),
    (
        "unknown_kernel.toml",
        sub('kernel = "3.10.0"', 'kernel = "three"'),
        "machine.kernel: not a kernel version like '3.10.0' or '3.11.0-rc5': str 'three'",
    ),
    (
        "unknown_workload_field.toml",
        after('kind = "service"\n', "turbo = true\n"),
        "workload[0].turbo: unknown field for this workload kind",
    ),
    (
        "misplaced_key.toml",
        after("sustain_s = 300\n", "order = 3\n"),
        "[resolution]: unknown field 'order' (a top-level key must come before the first [table])",
    ),
    (
        "bad_remedy.toml",
        sub(
            'best_remedy = ["sysctl -w vm.zone_reclaim_mode=0"]', 'best_remedy = ["kpatch load 0123456789ab"]'
        ),
        "best_remedy[0]: 'kpatch load 0123456789ab' fails on the incident's machine: kpatch: kpatch_0123456789ab.ko: module not found",
    ),
    (
        "boot_kernel_missing.toml",
        sub('boot_kernels = ["3.10.0", "3.16.7"]', 'boot_kernels = ["3.16.7"]'),
        "machine.boot_kernels: must include the running kernel '3.10.0'",
    ),
    (
        "bad_distance.toml",
        sub("distances = [[10, 32], [32, 10]]", "distances = [[10, 32], [32]]"),
        "machine.distances: expected a 2x2 matrix (one row per node)",
    ),
    (
        "unknown_workload_kind.toml",
        sub('kind = "service"', 'kind = "quantum"'),
        "workload[0].kind: unknown workload kind 'quantum'",
    ),
    (
        "two_correct_diagnoses.toml",
        sub("correct = false", "correct = true"),
        "diagnosis: exactly one diagnosis must have correct = true",
    ),
    (
        "misspelt_evidence.toml",
        sub("evidence = [", "evidense = ["),
        "[[diagnosis]][0]: unknown field 'evidense' (did you mean 'evidence'?)",
    ),
    (
        "misspelt_hint_tier.toml",
        sub("tier = 2", "teir = 2"),
        "[[hint]][1]: unknown field 'teir' (did you mean 'tier'?)",
    ),
    (
        "misspelt_commit_release.toml",
        sub('release = "v3.16"', 'relase = "v3.16"'),
        "[[debrief.commit]][0]: unknown field 'relase' (did you mean 'release'?)",
    ),
    (
        "misspelt_patch_effect.toml",
        lambda text: text + '\n[[patch]]\nid = "4f9b16a64753"\ntitle = "x"\neffekt = "none"\n',
        "[[patch]][0]: unknown field 'effekt' (did you mean 'effect'?)",
    ),
    (
        "unknown_patch_effect.toml",
        lambda text: text + '\n[[patch]]\nid = "4f9b16a64753"\ntitle = "x"\neffect = "warp_drive"\n',
        "patch[0].effect: unknown effect 'warp_drive' (known: none, oom_rss_sum, pagehuge_fastpath, procfs_rss_sum)",
    ),
    (
        "misspelt_sysctl.toml",
        sub("[slo]", '[sysctl]\n"vm.zone_reclaim_mod" = 1\n\n[slo]'),
        "sysctl.vm.zone_reclaim_mod: unknown sysctl 'vm.zone_reclaim_mod' (did you mean 'vm.zone_reclaim_mode'?)",
    ),
    (
        "bad_effect.toml",
        sub('effect = "harm"', 'effect = "miracle"'),
        "wrong_path[0].effect: must be one of relief, none, harm, got 'miracle'",
    ),
    (
        "cause_without_condition.toml",
        sub('sysctl = "vm.zone_reclaim_mode"\nfixed_values = [0]\n', ""),
        "cause[0]: a cause needs at least one of sysctl, kernels, fixed_by, cgroup_high",
    ),
]

# ------------------------------------------------------------------ hostile values and shapes
HOSTILE = [
    (
        "nan.toml",
        sub("disk_read_mbps = 900", "disk_read_mbps = nan"),
        "machine.disk_read_mbps: expected a finite number, got nan",
    ),
    (
        "inf.toml",
        sub("throughput_min = 40000", "throughput_min = inf"),
        "slo.throughput_min: expected a finite number, got inf",
    ),
    (
        "minus_inf.toml",
        sub("uptime_s = 518400", "uptime_s = -inf"),
        "machine.uptime_s: expected a finite number, got -inf",
    ),
    (
        "huge_float.toml",
        sub("uptime_s = 518400", "uptime_s = 1e308"),
        "machine.uptime_s: number out of range",
    ),
    (
        "huge_int.toml",
        sub("order = 1\n", "order = " + "9" * 5000 + "\n"),
        "a value cannot be read: line 8: an integer of 5000 digits",
    ),
    ("big_int.toml", sub("order = 1\n", "order = 99999999999999999\n"), "order: number out of range"),
    (
        "deep_array.toml",
        after('era = "2014"\n', "x = " + "[" * 3000 + "]" * 3000 + "\n"),
        "tables or arrays nested too deeply",
    ),
    (
        "deep_tables.toml",
        after('era = "2014"\n', "x = " + "{a = " * 30 + "1" + "}" * 30 + "\n"),
        "x.a.a.a.a.a.a.a.a: nested more than 8 deep",
    ),
    ("many_workloads.toml", _many_workloads(40), "workload: at most 16 workloads, got 42"),
    (
        "nan_param.toml",
        after("page_touch_ns = 900\n", "latency_ms = nan\n"),
        "workload[0].latency_ms: expected a finite number, got nan",
    ),
    (
        "solution_host_file.toml",
        after('era = "2014"\n', 'solution = "/etc/passwd"\n'),
        "solution: must name a NAME.solution file beside the incident",
    ),
    (
        "solution_escape.toml",
        after('era = "2014"\n', 'solution = "../../../../etc/shadow.solution"\n'),
        "solution: must name a NAME.solution file beside the incident",
    ),
    ("many_hints.toml", _many_hints(205), "hint: at most 200 entries"),
    (
        "remedy_backtracks.toml",
        sub(
            'best_remedy = ["sysctl -w vm.zone_reclaim_mode=0"]',
            """best_remedy = ["echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab | grep -E '(a|aa)+$'"]""",
        ),
        "best_remedy[0]: 'echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab | grep -E '(a|aa)+$'' fails on the incident's "
        "machine: mmquest: line stopped: pattern matching took more than 1s",
    ),
]


def write(cases, directory: Path) -> list[tuple[Path, str]]:
    """Write the cases' files into ``directory``; returns (path, expected message) pairs."""
    directory.mkdir(parents=True, exist_ok=True)
    base = base_toml()
    out = []
    for name, edit, expected in cases:
        path = directory / name
        path.write_text(edit(base))
        out.append((path, expected))
    return out


def write_duplicates(directory: Path) -> Path:
    """Two good files with the same id."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("a.toml", "b.toml"):
        (directory / name).write_text(base_toml())
    return directory
