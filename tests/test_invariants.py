"""One truth per fact: the simulated box never contradicts itself or its era (issue #13, item 3).

Every bundled incident is sampled through the shell (tests/invariants_lib.py): idle at many
simulated times, after each fix, wrong path and mitigation it lists, after its solution, and
after a reboot into every kernel it offers.  Each check below is a relation the real kernel and
tools keep; it reads only what the tools print.  Where the model is still wrong the case is an
``xfail(strict=True)`` naming the defect, so it turns red the day the model is fixed.
"""

from __future__ import annotations

import re

import pytest

from . import era_fields as era
from .invariants_lib import (
    INCIDENT_IDS,
    Sample,
    colon_fields,
    cpulist,
    down,
    field_names,
    kb,
    kernel_version,
    name_values,
    numastat_plain,
    oom_reports,
    ps_rows,
    samples,
    scenarios,
    table,
    top_kib,
    top_procs,
    top_tasks,
)

CHECKS: dict[str, object] = {}
# check -> (incidents, the model defect that breaks it there today).  Strict: a fix turns it red,
# and then the entry goes.
KNOWN: dict[str, tuple[tuple[str, ...], str]] = {}
XFAIL: dict[tuple[str, str], str] = {(c, i): why for c, (iids, why) in KNOWN.items() for i in iids}


def check(fn):
    CHECKS[fn.__name__.removeprefix("check_")] = fn
    return fn


def _node_meminfo(s: Sample, n: int) -> dict[str, tuple[int, str]]:
    return colon_fields(s.out[f"cat /sys/devices/system/node/node{n}/meminfo"], strip_node=True)


# ------------------------------------------------------------------------------ memory totals
@check
def check_free_vs_meminfo(s: Sample) -> list[str]:
    """free (kB and -m) shows /proc/meminfo's numbers (procps reads the same file)."""
    mi = colon_fields(s.out["cat /proc/meminfo"])
    bad = []
    for flag, div in (("free", 1), ("free -m", 1024)):
        head, rows = table(s.out[flag])
        mem = dict(zip(head, (int(x) for x in rows["Mem"]), strict=False))
        swap = dict(zip(head, (int(x) for x in rows["Swap"]), strict=False))
        want = {"total": kb(mi, "MemTotal"), "free": kb(mi, "MemFree")}
        if "buff/cache" in mem:  # procps-ng 3.3.10+
            want["shared"] = kb(mi, "Shmem")
            want["buff/cache"] = kb(mi, "Buffers") + kb(mi, "Cached") + kb(mi, "SReclaimable")
        else:  # procps 3.2.8: used counts buffers and cache, given back on the -/+ line
            want.update(used=kb(mi, "MemTotal") - kb(mi, "MemFree"), buffers=kb(mi, "Buffers"))
            want["cached"] = kb(mi, "Cached")
        for k, v in want.items():
            if abs(mem[k] - v // div) > 1:
                bad.append(f"{flag} Mem {k} {mem[k]} != meminfo {v // div}")
        for k, v in (("total", kb(mi, "SwapTotal")), ("free", kb(mi, "SwapFree"))):
            if abs(swap[k] - v // div) > 1:
                bad.append(f"{flag} Swap {k} {swap[k]} != meminfo {v // div}")
        if "buff/cache" in mem:
            used = {mem["total"] - mem["free"] - mem["buff/cache"]}
            if "available" in mem:
                used.add(mem["total"] - mem["available"])  # procps-ng 4.0.1+
            if min(abs(mem["used"] - u) for u in used) > 2:
                bad.append(f"{flag} used {mem['used']} is neither total-free-buff/cache nor total-available")
    return bad


NODE_SUMMED = (
    "MemTotal",
    "MemFree",
    "Active(anon)",
    "Inactive(anon)",
    "Active(file)",
    "Inactive(file)",
    "Unevictable",
    "Mlocked",
    "Dirty",
    "Writeback",
    "Mapped",
    "AnonPages",
    "Shmem",
    "KernelStack",
    "PageTables",
    "Slab",
    "SReclaimable",
    "SUnreclaim",
    "AnonHugePages",
    "HugePages_Total",
    "HugePages_Free",
    "HugePages_Surp",
)


@check
def check_node_meminfo_sums_to_meminfo(s: Sample) -> list[str]:
    """Σ per-node meminfo = /proc/meminfo, field by field (both read the same vmstat counters)."""
    mi = colon_fields(s.out["cat /proc/meminfo"])
    nodes = [_node_meminfo(s, n) for n in range(s.nodes)]
    bad = []
    slack = 4 * s.nodes  # one page of rounding per node
    for f in NODE_SUMMED:
        if f not in mi or not all(f in nd for nd in nodes):
            continue
        total = sum(nd[f][0] for nd in nodes)
        if abs(total - mi[f][0]) > slack:
            bad.append(f"Σ node {f} = {total} but /proc/meminfo {f} = {mi[f][0]}")
    return bad


@check
def check_node_filepages_hold_cached_and_buffers(s: Sample) -> list[str]:
    """Σ node FilePages = Cached + SwapCached + Buffers (meminfo subtracts the two from NR_FILE_PAGES)."""
    mi = colon_fields(s.out["cat /proc/meminfo"])
    files = sum(_node_meminfo(s, n)["FilePages"][0] for n in range(s.nodes))
    want = kb(mi, "Cached") + kb(mi, "SwapCached") + kb(mi, "Buffers")
    if abs(files - want) > 4 * s.nodes:
        return [f"Σ node FilePages = {files} but Cached+SwapCached+Buffers = {want}"]
    return []


@check
def check_numastat_m_vs_node_meminfo(s: Sample) -> list[str]:
    """numastat -m is the node meminfo files in MB (huge page counts × page size), Total = Σ."""
    _, rows = table(s.out["numastat -m"])
    mi = colon_fields(s.out["cat /proc/meminfo"])
    huge_mb = kb(mi, "Hugepagesize") / 1024 if "Hugepagesize" in mi else 2.0
    bad = []
    nodes = [_node_meminfo(s, n) for n in range(s.nodes)]
    for label, cells in rows.items():
        vals = [float(c) for c in cells]
        if abs(sum(vals[:-1]) - vals[-1]) > 0.01 * len(vals) + 0.011:
            bad.append(f"numastat -m {label}: Total {vals[-1]} != Σ nodes {sum(vals[:-1]):.2f}")
        for n, nd in enumerate(nodes):
            if label == "MemUsed":
                want = (nd["MemTotal"][0] - nd["MemFree"][0]) / 1024
            elif label.startswith("HugePages_") and label in nd:
                count, unit = nd[label]
                want = count / 1024 if unit == "kB" else count * huge_mb
            elif label in nd:
                want = nd[label][0] / 1024
            else:
                bad.append(f"numastat -m row {label} is not in node{n}/meminfo")
                continue
            if abs(vals[n] - want) > 0.011:
                bad.append(f"numastat -m {label} node {n}: {vals[n]} != node meminfo {want:.2f}")
    return bad


@check
def check_numactl_hardware_vs_sysfs(s: Sample) -> list[str]:
    """numactl --hardware reads the node cpulists, meminfo (MB, shifted) and distances from sysfs."""
    text = s.out["numactl --hardware"]
    bad = []
    for n in range(s.nodes):
        m = re.search(rf"(?m)^node {n} cpus:(.*)$", text)
        cpus = [int(c) for c in m.group(1).split()] if m else []
        sys_cpus = cpulist(s.out[f"cat /sys/devices/system/node/node{n}/cpulist"])
        if cpus != sys_cpus:
            bad.append(f"node {n}: numactl cpus {cpus[:6]}... != cpulist {sys_cpus[:6]}...")
        nd = _node_meminfo(s, n)
        for what, key in (("size", "MemTotal"), ("free", "MemFree")):
            m = re.search(rf"(?m)^node {n} {what}: (\d+) MB$", text)
            if not m or int(m.group(1)) != nd[key][0] >> 10:
                bad.append(f"node {n} {what}: {m and m.group(1)} MB != {key} {nd[key][0] >> 10} MB")
        row = re.search(rf"(?m)^\s*{n}:((?:\s+\d+)+)\s*$", text)
        dist = s.out[f"cat /sys/devices/system/node/node{n}/distance"].split()
        if not row or row.group(1).split() != dist:
            bad.append(f"node {n}: distance row {row and row.group(1).split()} != sysfs {dist}")
    return bad


@check
def check_free_available_is_memavailable(s: Sample) -> list[str]:
    """procps's available column is the kernel's MemAvailable where the kernel has it (3.14+)."""
    mi = colon_fields(s.out["cat /proc/meminfo"])
    if "MemAvailable" not in mi:
        return []
    bad = []
    for flag, div in (("free", 1), ("free -m", 1024)):
        head, rows = table(s.out[flag])
        mem = dict(zip(head, (int(x) for x in rows["Mem"]), strict=False))
        if "available" in mem and abs(mem["available"] - kb(mi, "MemAvailable") // div) > 1:
            bad.append(f"{flag} available {mem['available']} != MemAvailable {kb(mi, 'MemAvailable') // div}")
    return bad


# ------------------------------------------------------------------------------ numastat
@check
def check_numastat_identities(s: Sample) -> list[str]:
    """Per node hit + miss = local + other; Σ miss = Σ foreign; numastat = the sysfs files;
    /proc/vmstat's numa_* = Σ nodes."""
    ns = numastat_plain(s.out["numastat"])
    bad = []
    for n in range(s.nodes):
        if ns["numa_hit"][n] + ns["numa_miss"][n] != ns["local_node"][n] + ns["other_node"][n]:
            bad.append(
                f"node {n}: hit {ns['numa_hit'][n]} + miss {ns['numa_miss'][n]} != "
                f"local {ns['local_node'][n]} + other {ns['other_node'][n]}"
            )
        sysfs = name_values(s.out[f"cat /sys/devices/system/node/node{n}/numastat"])
        for k, v in sysfs.items():
            if ns[k][n] != v:
                bad.append(f"numastat {k} node {n} = {ns[k][n]} but sysfs says {v}")
    if sum(ns["numa_miss"]) != sum(ns["numa_foreign"]):
        bad.append(f"Σ numa_miss {sum(ns['numa_miss'])} != Σ numa_foreign {sum(ns['numa_foreign'])}")
    vm = name_values(s.out["cat /proc/vmstat"])
    for vk, nk in (
        ("numa_hit", "numa_hit"),
        ("numa_miss", "numa_miss"),
        ("numa_foreign", "numa_foreign"),
        ("numa_interleave", "interleave_hit"),
        ("numa_local", "local_node"),
        ("numa_other", "other_node"),
    ):
        if vk in vm and vm[vk] != sum(ns[nk]):
            bad.append(f"/proc/vmstat {vk} {vm[vk]} != Σ numastat {nk} {sum(ns[nk])}")
    return bad


def _uptime(s: Sample) -> float:
    return float(s.out["cat /proc/uptime"].split()[0])


@check
def check_numastat_counts_on_a_running_box(s: Sample) -> list[str]:
    """A box up for an hour has allocated pages: numastat's numa_hit is not zero."""
    ns = numastat_plain(s.out["numastat"])
    if _uptime(s) >= 3600 and sum(ns["numa_hit"]) == 0:
        return [f"numastat numa_hit is 0 on a box up {_uptime(s):.0f} s"]
    return []


@check
def check_pgalloc_vs_pgfree(s: Sample) -> list[str]:
    """Every page is freed once more than it is allocated (the boot frees all of memory into the
    buddy allocator): 0 ≤ pgfree − Σ pgalloc_* ≤ MemTotal in pages, and neither is 0 after an hour."""
    if _uptime(s) < 3600:
        return []
    vm = name_values(s.out["cat /proc/vmstat"])
    mi = colon_fields(s.out["cat /proc/meminfo"])
    alloc = sum(v for k, v in vm.items() if k.startswith("pgalloc_"))
    free = vm.get("pgfree", 0)
    if alloc == 0 or free == 0:
        return [f"Σ pgalloc_* = {alloc}, pgfree = {free} on a box up {_uptime(s):.0f} s"]
    if not 0 <= free - alloc <= kb(mi, "MemTotal") // 4:
        return [f"pgfree {free} - Σ pgalloc {alloc} is outside [0, MemTotal pages]"]
    return []


# ------------------------------------------------------------------------------ tasks
def _status(s: Sample, pid: int) -> dict[str, str]:
    out = {}
    for ln in s.out[f"cat /proc/{pid}/status"].splitlines():
        k, _, v = ln.partition(":")
        out[k] = v.strip()
    return out


def _status_kb(st: dict[str, str], key: str) -> int:
    return int(st[key].split()[0])


@check
def check_ps_vs_status(s: Sample) -> list[str]:
    """ps's RSS, VSZ, NLWP and state are /proc/PID/status's VmRSS, VmSize, Threads and State."""
    bad = []
    for row in ps_rows(s.out["ps -eo pid,nlwp,rss,vsz,stat,comm"]):
        pid = int(row["PID"])
        st = _status(s, pid)
        if not st.get("Name"):
            bad.append(f"ps lists {pid} but its status is unreadable")
            continue
        if "VmRSS" in st and int(row["RSS"]) != _status_kb(st, "VmRSS"):
            bad.append(f"{pid} {row['COMMAND']}: ps RSS {row['RSS']} != VmRSS {st['VmRSS']}")
        if "VmSize" in st and int(row["VSZ"]) != _status_kb(st, "VmSize"):
            bad.append(f"{pid} {row['COMMAND']}: ps VSZ {row['VSZ']} != VmSize {st['VmSize']}")
        if int(row["NLWP"]) != int(st["Threads"]):
            bad.append(f"{pid} {row['COMMAND']}: ps NLWP {row['NLWP']} != Threads {st['Threads']}")
        if row["STAT"][0] != st["State"][0]:
            bad.append(f"{pid} {row['COMMAND']}: ps STAT {row['STAT']} != State {st['State']}")
    aux = {int(r["PID"]): r for r in ps_rows(s.out["ps aux"])}
    for pid in s.pids:
        st = _status(s, pid)
        if pid in aux and "VmRSS" in st and int(aux[pid]["RSS"]) != _status_kb(st, "VmRSS"):
            bad.append(f"{pid}: ps aux RSS {aux[pid]['RSS']} != VmRSS {st['VmRSS']}")
    return bad


@check
def check_top_vs_status(s: Sample) -> list[str]:
    """top's RES and S columns are VmRSS and State, for the tasks ps lists."""
    bad = []
    for row in top_procs(s.out["top -b -n1"]):
        pid = int(row["PID"])
        if pid not in s.pids:
            bad.append(f"top shows PID {pid}, ps does not")
            continue
        st = _status(s, pid)
        res, step = top_kib(row["RES"])
        if "VmRSS" in st and abs(res - _status_kb(st, "VmRSS")) > step:
            bad.append(f"{pid}: top RES {row['RES']} != VmRSS {st['VmRSS']}")
        if row["S"] != st["State"][0]:
            bad.append(f"{pid}: top S {row['S']} != State {st['State']}")
    return bad


@check
def check_top_counts_the_tasks_ps_lists(s: Sample) -> list[str]:
    """top's Tasks total is the number of processes `ps -e` lists (both walk /proc)."""
    tasks = top_tasks(s.out["top -b -n1"])
    if tasks.get("total") != len(s.pids):
        return [f"top Tasks total {tasks.get('total')} != {len(s.pids)} processes in ps"]
    return []


@check
def check_top_running_count(s: Sample) -> list[str]:
    """top's running count is the tasks in state R; CPUs kept busy mean runnable tasks."""
    bad = []
    tasks = top_tasks(s.out["top -b -n1"])
    states = [_status(s, p)["State"][0] for p in s.pids]
    if tasks.get("running") != states.count("R"):
        bad.append(f"top Tasks running {tasks.get('running')} != {states.count('R')} tasks in state R")
    busy = sum(float(r["%CPU"]) for r in top_procs(s.out["top -b -n1"]))
    if busy >= 200 and tasks.get("running") == 0:
        bad.append(f"top shows {busy:.0f} % CPU in use and 0 running tasks")
    return bad


# ------------------------------------------------------------------------------ OOM report
def _report_kb(rep: str, label: str) -> int | None:
    m = re.search(rf"(?m)^{label}\s*=\s*(\d+)kB", rep)
    return int(m.group(1)) if m else None


@check
def check_oom_report_vs_meminfo(s: Sample) -> list[str]:
    """Each OOM report agrees with the box: its swap is meminfo's, the zones' free sums to
    Mem-Info's free, a global OOM fires with swap full, the victim's line matches its row."""
    mi = colon_fields(s.out["cat /proc/meminfo"])
    bad = []
    for rep in oom_reports(s.out["dmesg"]):
        total, free = _report_kb(rep, "Total swap"), _report_kb(rep, "Free swap ")
        if total is not None and total != kb(mi, "SwapTotal"):
            bad.append(f"OOM report Total swap = {total}kB but SwapTotal is {kb(mi, 'SwapTotal')} kB")
        if "CONSTRAINT_MEMCG" not in rep and free and total and free > total // 100:
            bad.append(f"a global OOM with {free} kB of swap free")
        zones = [int(x) for x in re.findall(r"(?m)^Node \d+ \w+ free:(\d+)kB", rep)]
        m = re.search(r"(?m)^\s*free:(\d+) ", rep)
        if zones and m and abs(sum(zones) - 4 * int(m.group(1))) > 4 * len(zones):
            bad.append(f"Σ zone free {sum(zones)} kB != Mem-Info free:{m.group(1)} pages")
        k = re.search(
            r"Killed process (\d+) \((.+?)\).*anon-rss:(\d+)kB, file-rss:(\d+)kB, shmem-rss:(\d+)kB", rep
        )
        if k:
            pid, rss_kb = k.group(1), sum(int(k.group(i)) for i in (3, 4, 5))
            row = re.search(rf"(?m)^\[\s*{pid}\]\s+\d+\s+\d+\s+\d+\s+(\d+)", rep)
            if row and abs(int(row.group(1)) * 4 - rss_kb) > 4:
                bad.append(f"victim {pid}: task table rss {row.group(1)} pages != killed line {rss_kb} kB")
    return bad


# ------------------------------------------------------------------------------ hugepages
@check
def check_hugepages_agree(s: Sample) -> list[str]:
    """HugePages_Total is one number: meminfo, vm.nr_hugepages, Σ nodes; hugetlbfs users fit in it."""
    from .invariants_lib import incident

    mi = colon_fields(s.out["cat /proc/meminfo"])
    bad = []
    total = kb(mi, "HugePages_Total")
    sysctl = s.out["sysctl vm.nr_hugepages"].rpartition("=")[2].strip()
    proc = s.out["cat /proc/sys/vm/nr_hugepages"].strip()
    if sysctl != str(total) or proc != str(total):
        bad.append(f"HugePages_Total {total} vs sysctl {sysctl!r} vs /proc/sys/vm/nr_hugepages {proc!r}")
    nodes = sum(_node_meminfo(s, n)["HugePages_Total"][0] for n in range(s.nodes))
    if nodes != total:
        bad.append(f"Σ node HugePages_Total {nodes} != meminfo {total}")
    for w in incident(s.incident).workloads:
        gb = float(w.params.get("hugetlbfs_gb", 0) or 0)
        if gb and total * kb(mi, "Hugepagesize") < gb * 1024 * 1024:
            bad.append(f"{w.name} holds a {gb:g} GB hugetlbfs segment but HugePages_Total is {total}")
    return bad


# ------------------------------------------------------------------------------ filesystem
@check
def check_listed_paths_are_readable(s: Sample) -> list[str]:
    """Every path `ls -l` lists can be read (a directory listed again), or fails with the
    errno its mode promises: Permission denied only where root has no read bit."""
    bad = []
    for path, mode, st, out in s.walk:
        if mode == "d":
            if st:
                bad.append(f"ls lists directory {path} but `ls {path}` fails: {out.splitlines()[0]}")
            continue
        readable = len(mode) > 1 and mode[1] == "r"
        if st == 0 and not readable:
            bad.append(f"{path} ({mode}) has no read bit but cat reads it")
        elif st and readable:
            bad.append(f"{path} ({mode}) is listed readable but cat says: {out.splitlines()[-1]}")
        elif st and "Permission denied" not in out:
            bad.append(f"{path} ({mode}) fails with {out.splitlines()[-1]!r}, not Permission denied")
    return bad


# ------------------------------------------------------------------------------ era
def _era_judge(s: Sample, where: str, names: list[str], table_: dict[str, era.Era]) -> list[str]:
    v = kernel_version(s.kernel)
    bad = []
    for name in names:
        e = table_.get(name)
        if e and not era.in_era(v, e):
            bad.append(f"{where}: {name} ({e[0]}–{e[1] or ''}) on {s.kernel}")
    return bad


def _lacks(s: Sample, where: str, names: list[str], required: dict[str, str]) -> list[str]:
    v = kernel_version(s.kernel)
    return [
        f"{where} lacks {f} on {s.kernel}"
        for f, r in required.items()
        if v >= kernel_version(r) and f not in names
    ]


@check
def check_meminfo_fields_of_the_era(s: Sample) -> list[str]:
    """/proc/meminfo shows the fields the booted kernel has, and only those."""
    names = field_names(s.out["cat /proc/meminfo"])
    return _era_judge(s, "/proc/meminfo", names, era.MEMINFO) + _lacks(
        s, "/proc/meminfo", names, era.MEMINFO_REQUIRED
    )


@check
def check_status_fields_of_the_era(s: Sample) -> list[str]:
    """/proc/PID/status shows the fields the booted kernel has, and only those."""
    bad = []
    users = [p for p in s.pids if "VmRSS:" in s.out[f"cat /proc/{p}/status"]]  # kthreads have no mm lines
    for pid in users[:2] + users[-2:]:
        names = field_names(s.out[f"cat /proc/{pid}/status"])
        where = f"/proc/{pid}/status"
        bad += _era_judge(s, where, names, era.STATUS) + _lacks(s, where, names, era.STATUS_REQUIRED)
    return sorted({re.sub(r"/proc/\d+/", "/proc/PID/", b) for b in bad})


@check
def check_vmstat_lines_of_the_era(s: Sample) -> list[str]:
    """/proc/vmstat shows no counter the booted kernel did not have."""
    v = kernel_version(s.kernel)
    bad = []
    for name in name_values(s.out["cat /proc/vmstat"]):
        e = era.vmstat_era(name)
        if e and not era.in_era(v, e):
            bad.append(f"/proc/vmstat: {name} ({e[0]}–{e[1] or ''}) on {s.kernel}")
    return bad


@check
def check_call_trace_functions_of_the_era(s: Sample) -> list[str]:
    """An OOM report's call trace names functions the booted kernel has."""
    bad = []
    for rep in oom_reports(s.out["dmesg"]):
        names = [fn.split(".")[0] for fn in re.findall(r"(?m)^\s+\??\s*([A-Za-z_][\w.]*)\+0x", rep)]
        bad += _era_judge(s, "OOM call trace", names, era.FUNCTIONS)
    return sorted(set(bad))


# ------------------------------------------------------------------------------ runners
def _params():
    for name in CHECKS:
        for iid in INCIDENT_IDS:
            reason = XFAIL.get((name, iid))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, iid, id=f"{name}-{iid}", marks=marks)


@pytest.mark.parametrize("name, iid", list(_params()))
def test_invariant(name: str, iid: str) -> None:
    fn = CHECKS[name]
    bad: list[str] = []
    for s in samples(iid):
        bad += [f"[{s.where}] {b}" for b in fn(s)]
    assert not bad, f"{len(bad)} contradictions, first ones:\n" + "\n".join(list(dict.fromkeys(bad))[:12])


MONOTONIC_SKIP = re.compile(r"^nr_|_threshold$|^workingset_nodes$")


def _counter_params():
    for iid in INCIDENT_IDS:
        reason = XFAIL.get(("counters_only_increase", iid))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(iid, id=iid, marks=marks)


@pytest.mark.parametrize("iid", list(_counter_params()))
def test_counters_only_increase(iid: str) -> None:
    """Event counters (/proc/vmstat's non-nr_* lines, numastat) and the uptime never go back
    within one boot."""
    bad = []
    for sc in scenarios(iid):
        prev: Sample | None = None
        for s in sc.samples:
            if down(s):
                continue
            if prev is not None and prev.boot == s.boot:
                a, b = name_values(prev.out["cat /proc/vmstat"]), name_values(s.out["cat /proc/vmstat"])
                for k in a.keys() & b.keys():
                    if not MONOTONIC_SKIP.search(k) and b[k] < a[k]:
                        bad.append(f"[{s.where}] /proc/vmstat {k} went from {a[k]} to {b[k]}")
                na, nb = numastat_plain(prev.out["numastat"]), numastat_plain(s.out["numastat"])
                for k in na.keys() & nb.keys():
                    if any(y < x for x, y in zip(na[k], nb[k], strict=False)):
                        bad.append(f"[{s.where}] numastat {k} went from {na[k]} to {nb[k]}")
                if _uptime(s) < _uptime(prev):
                    bad.append(f"[{s.where}] uptime went back from {_uptime(prev)} to {_uptime(s)}")
            prev = s
    assert not bad, "\n".join(bad[:12])
