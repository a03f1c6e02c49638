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


NUMACTL_USAGE = (
    "usage: numactl [--all | -a] [--interleave= | -i <nodes>] [--preferred= | -p <node>]\n"
    "               [--physcpubind= | -C <cpus>] [--cpunodebind= | -N <nodes>]\n"
    "               [--membind= | -m <nodes>] [--localalloc | -l] command args ...\n"
    "       numactl [--show | -s]\n"
    "       numactl [--hardware | -H]\n"
    "       numactl [--length | -l <length>] [--offset | -o <offset>] [--shmmode | -M <shmmode>]\n"
    "               [--strict | -t]\n"
    "               [--shmid | -I <id>] --shm | -S <shmkeyfile>\n"
    "               [--shmid | -I <id>] --file | -f <tmpfsfile>\n"
    "               [--huge | -u] [--touch | -T] \n"
    "               memory policy | --dump | -d | --dump-nodes | -D\n"
    "\n"
    "memory policy is --interleave | -i, --preferred | -p, --membind | -m, --localalloc | -l\n"
    "<nodes> is a comma delimited list of node numbers or A-B ranges or all.\n"
    "Instead of a number a node can also be:\n"
    "  netdev:DEV the node connected to network device DEV\n"
    "  file:PATH  the node the block device of path is connected to\n"
    "  ip:HOST    the node of the network device host routes through\n"
    "  block:PATH the node of block device path\n"
    "  pci:[seg:]bus:dev[:func] The node of a PCI device\n"
    "<cpus> is a comma delimited list of cpu numbers or A-B ranges or all\n"
    "all ranges can be inverted with !\n"
    "all numbers and ranges can be made cpuset-relative with +\n"
    "the old --cpubind argument is deprecated.\n"
    "use --cpunodebind or --physcpubind instead\n"
    "<length> can have g (GB), m (MB) or k (KB) suffixes"
)
# numactl.c (2.0.x): its option table, the short string built from it with a leading '+' (the
# command ends the options); getopt's message, then usage() on stderr, exit 1.
NUMACTL = OptSpec(
    "numactl",
    "ai:p:c:N:C:m:slHS:f:o:L:tM:dDI:uTV",
    {
        "all": "a",
        "interleave=": "i",
        "preferred=": "p",
        "cpubind=": "c",
        "cpunodebind=": "N",
        "physcpubind=": "C",
        "membind=": "m",
        "show": "s",
        "localalloc": "l",
        "hardware": "H",
        "shm=": "S",
        "file=": "f",
        "offset=": "o",
        "length=": "L",
        "strict": "t",
        "shmmode=": "M",
        "dump": "d",
        "dump-nodes": "D",
        "shmid=": "I",
        "huge": "u",
        "touch": "T",
        "verify": "V",
    },
    after=NUMACTL_USAGE,
    permute=False,
)


@command("numactl", "NUMA policy: numactl --hardware, numactl --show")
def cmd_numactl(sh: Shell, args: list[str], stdin: str) -> Result:
    s = sh.snap
    opts = NUMACTL.parse(args)
    first = next((k for k, _ in opts.items if k in "sH"), None)  # numactl acts on the first
    if first == "H":
        sh.note_read("numactl --hardware")
        return Result(R.numactl_hardware(s) + "\n")
    if first == "s":
        n = s.nnodes
        nodes = " ".join(str(z) for z in range(n))
        cpus = " ".join(str(c) for c in range(n * s.cpus_per_node))
        return Result(
            f"policy: default\npreferred node: current\nphyscpubind: {cpus}\ncpubind: {nodes}\n"
            f"nodebind: {nodes}\nmembind: {nodes}\n"
        )
    if not opts.args:
        return Result(err=NUMACTL_USAGE, status=1)
    return Result(
        err="usage: numactl [--all | -a] [--interleave= | -i <nodes>] [--preferred= | -p <node>]\n"
        "               [--physcpubind= | -C <cpus>] [--cpunodebind= | -N <nodes>]\n"
        "               [--membind= | -m <nodes>] [--localalloc | -l] command args ...\n"
        "       numactl [--show | -s]\n       numactl [--hardware | -H]\n"
        "(changing the policy of a running service is not possible here)",
        status=1,
    )
