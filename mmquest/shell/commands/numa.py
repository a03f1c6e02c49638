"""NUMA tools: numastat, numactl."""

from __future__ import annotations

import re

from .. import render as R
from ..argv import OptSpec
from ..core import Result, Shell, command

NUMASTAT = OptSpec(
    "numastat",
    "cmnp:",
    after="Usage: numastat [-c] [-m] [-n] [-p <PID>|<pattern>] [ <PID>|<pattern>... ]",
)


@command("numastat", "NUMA statistics: numastat [-m] [-n] [-c] [-p PID|NAME]")
def cmd_numastat(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    opts = NUMASTAT.parse(args)
    compact = opts.has("c")
    sh.note_read("numastat")
    targets = opts.all("p") + opts.args
    if not targets and opts.has("m"):
        sh.note_read("numastat -m")
        return Result(R.numastat_m(s, compact) + "\n")
    if not targets and opts.has("n"):
        return Result(R.numastat_n(s, compact) + "\n")
    if not targets:
        return Result(R.numastat_plain(s) + "\n")
    tasks = []
    for tgt in targets:
        if tgt.isdigit():
            tasks += [t for t in s.tasks if t.pid == int(tgt)]
        else:
            tasks += [t for t in s.tasks if re.search(re.escape(tgt), t.comm)]
    if not tasks:
        return Result(
            "\nPer-node process memory usage (in MBs)\n", "Can't find process: " + " ".join(targets), 1
        )
    sh.note_read("numastat -p")
    return Result(R.numastat_p(s, tasks, compact) + "\n")


@command("numactl", "NUMA policy: numactl --hardware, numactl --show")
def cmd_numactl(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    if args and args[0] in ("--hardware", "-H"):
        sh.note_read("numactl --hardware")
        return Result(R.numactl_hardware(s) + "\n")
    if args and args[0] in ("--show", "-s"):
        n = s.nnodes
        nodes = " ".join(str(z) for z in range(n))
        cpus = " ".join(str(c) for c in range(n * s.cpus_per_node))
        return Result(
            f"policy: default\npreferred node: current\nphyscpubind: {cpus}\ncpubind: {nodes}\n"
            f"nodebind: {nodes}\nmembind: {nodes}\n"
        )
    return Result(
        err="usage: numactl [--all | -a] [--interleave= | -i <nodes>] [--preferred= | -p <node>]\n"
        "               [--physcpubind= | -C <cpus>] [--cpunodebind= | -N <nodes>]\n"
        "               [--membind= | -m <nodes>] [--localalloc | -l] command args ...\n"
        "       numactl [--show | -s]\n       numactl [--hardware | -H]\n"
        "(changing the policy of a running service is not possible here)",
        status=1,
    )
