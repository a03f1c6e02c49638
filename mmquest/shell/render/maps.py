"""A task's address space as /proc/PID/maps, smaps, smaps_rollup and numa_maps show it.

One list of VMAs (:func:`vmas`) is built from the task's modelled memory: the program's text
and data, its shared libraries, [heap] and the anonymous arena, a data file it maps, a SysV
shared memory segment (shmem), a hugetlbfs segment (a database's SGA), [stack], [vvar] and
[vdso].  The resident pages are the model's own per-node pages (``TaskInfo.anon/file/shmem``,
what a page-table walk finds), the sizes add up to ``VmSize`` (``TaskInfo.vm_pages``), so
Σ smaps Rss = smaps_rollup Rss = the task's pages, and = VmRSS wherever the RSS counters are
exact.  numastat -p sums numa_maps (:func:`numa_parts`), as the real tool does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...kernel.era import has
from ...kernel.version import KernelVersion
from ...snapshot import Snapshot, TaskInfo

EXE_PAGES = 1400  # VmExe (status)
EXE_DATA_PAGES = 16
LIB_PAGES = 1171  # VmLib (status)
STACK_PAGES = 33  # VmStk (status)
HEAP_SHARE = 0.08  # the [heap] part of a task's anonymous memory
PAGE = 4096


@dataclass(frozen=True)
class Vma:
    start: int  # address
    pages: int  # size in 4 KiB pages
    perms: str
    path: str
    kind: str  # anon | file | shmem | hugetlb | special
    nodes: tuple[int, ...]  # resident 4 KiB pages per node (hugetlb: the segment's pages)
    offset: int = 0
    dev: str = "00:00"
    inode: int = 0

    @property
    def rss(self) -> int:
        return 0 if self.kind == "hugetlb" else sum(self.nodes)

    @property
    def end(self) -> int:
        return self.start + self.pages * PAGE


def _split(pages: int, weights: Sequence[float]) -> tuple[int, ...]:
    """``pages`` over the nodes in proportion to ``weights`` (largest remainder: the sum is exact)."""
    total = sum(weights)
    if pages <= 0:
        return tuple(0 for _ in weights)
    if total <= 0:
        weights, total = [1.0] * len(weights), float(len(weights))
    raw = [pages * w / total for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: pages - sum(out)]:
        out[i] += 1
    return tuple(out)


def _take(pool: list[int], want: int) -> int:
    got = max(min(pool[0], want), 0)
    pool[0] -= got
    return got


def _layout(s: Snapshot, t: TaskInfo) -> list[tuple[str, str, str, int, int]]:
    """(kind, perms, path, size pages, resident pages) in address order."""
    anon, file, shmem = (round(sum(x)) for x in (t.anon, t.file, t.shmem))
    huge_pages = s.hugepage_kb // 4
    huge = -(-int(t.hugetlb) // huge_pages) * huge_pages if t.hugetlb > 0 else 0
    files, anons = [file], [anon]
    exe = "/usr/bin/" + t.comm.split(":")[0].split()[0].split("/")[0]
    lib = "/usr/lib64/libc-2.17.so" if KernelVersion(s.kernel) < "4.0" else "/usr/lib64/libc.so.6"
    rows = [
        ("file", "r-xp", exe, EXE_PAGES, _take(files, EXE_PAGES)),
        ("anon", "rw-p", exe, EXE_DATA_PAGES, _take(anons, EXE_DATA_PAGES)),  # copied on write
    ]
    heap_rss = _take(anons, int(anon * HEAP_SHARE))
    rows.append(("anon", "rw-p", "[heap]", heap_rss, heap_rss))
    special = 2 + (4 if has("maps:vvar", s.kernel) else 0)
    lib_rss = _take(files, LIB_PAGES)
    data_rss = files[0]
    fixed = EXE_PAGES + EXE_DATA_PAGES + heap_rss + LIB_PAGES + STACK_PAGES + special
    arena = max(int(t.vm_pages) - fixed - data_rss - shmem - huge, anons[0] - STACK_PAGES, 0)
    stack_rss = _take(anons, STACK_PAGES)
    if huge:
        rows.append(("hugetlb", "rw-s", "/SYSV00000000 (deleted)", huge, huge))
    if shmem:
        rows.append(("shmem", "rw-s", "/SYSV0052e2c1 (deleted)", shmem, shmem))
    if data_rss:
        rows.append(("file", "r--s", f"/var/lib/{exe.rsplit('/', 1)[1]}/data", data_rss, data_rss))
    if arena:
        rows.append(("anon", "rw-p", "", arena, anons[0]))
    rows += [
        ("file", "r-xp", lib, LIB_PAGES, lib_rss),
        ("anon", "rw-p", "[stack]", STACK_PAGES, stack_rss),
    ]
    if has("maps:vvar", s.kernel):
        rows.append(("special", "r--p", "[vvar]", 4, 0))
    rows.append(("special", "r-xp", "[vdso]", 2, 0))
    return rows


def vmas(s: Snapshot, t: TaskInfo) -> list[Vma]:
    """The task's VMAs (a kernel thread has none)."""
    if t.kthread or t.vm_pages <= 0:
        return []
    weights = {"anon": t.anon, "file": t.file, "shmem": t.shmem, "hugetlb": t.anon, "special": t.anon}
    low = 0x55D0C6A00000 + (t.pid % 4096) * 0x200000
    high = 0x7F0000000000 + (t.pid % 256) * 0x10000000  # mmap_base, below the stack
    out: list[Vma] = []
    addr = low
    for i, (kind, perms, path, size, rss) in enumerate(_layout(s, t)):
        if path == "[heap]":
            addr += 0x1000000
        elif path in ("[stack]",):
            addr = 0x7FFD2A1F0000 - (t.pid % 4096) * 0x100000
        elif kind in ("hugetlb", "shmem") or (kind == "anon" and not path) or path.startswith("/usr/lib"):
            addr = max(addr, high)
        nodes = _split(rss, weights[kind])
        named = path.startswith("/")
        inode = 100000 + i * 17 + t.pid % 97 if named else 0
        dev = {"hugetlb": "00:0f", "shmem": "00:04"}.get(kind, "fd:00" if named else "00:00")
        offset = EXE_PAGES * PAGE if perms == "rw-p" and named else 0
        out.append(Vma(addr, size, perms, path, kind, nodes, offset, dev, inode))
        addr += size * PAGE
        if path.startswith("/usr/lib") or kind in ("hugetlb", "shmem"):
            addr += 0x200000
    return out


def _maps_line(v: Vma) -> str:
    head = f"{v.start:08x}-{v.end:08x} {v.perms} {v.offset:08x} {v.dev} {v.inode}"
    return f"{head:<72} {v.path}".rstrip() if v.path else head + " "


def maps(s: Snapshot, t: TaskInfo) -> str:
    """/proc/PID/maps: show_map_vma() pads the path to column 74 (``%*s`` with 73 − len)."""
    return "\n".join(_maps_line(v) for v in vmas(s, t))


def smaps_fields(kernel: str, rollup: bool) -> list[str]:
    """The kB lines of show_smap()/show_smaps_rollup() in the booted kernel, in order."""
    v = KernelVersion(kernel)
    rows: list[tuple[str, str | None]] = [
        ("Size", None if not rollup else "never"),
        ("KernelPageSize", None if not rollup else "never"),
        ("MMUPageSize", None if not rollup else "never"),
        ("Rss", None),
        ("Pss", None),
        ("Pss_Dirty", "smaps:Pss_Dirty"),
        ("Pss_Anon", "smaps:Pss_Anon" if rollup else "never"),
        ("Pss_File", "smaps:Pss_Anon" if rollup else "never"),
        ("Pss_Shmem", "smaps:Pss_Anon" if rollup else "never"),
        ("Shared_Clean", None),
        ("Shared_Dirty", None),
        ("Private_Clean", None),
        ("Private_Dirty", None),
        ("Referenced", None),
        ("Anonymous", None),
        ("KSM", "smaps:KSM"),
        ("LazyFree", "smaps:LazyFree"),
        ("AnonHugePages", "meminfo:AnonHugePages"),
        ("ShmemPmdMapped", "meminfo:ShmemHugePages"),
        ("FilePmdMapped", "meminfo:FileHugePages"),
        ("Shared_Hugetlb", "smaps:Shared_Hugetlb"),
        ("Private_Hugetlb", "smaps:Shared_Hugetlb"),
        ("Swap", None),
        ("SwapPss", "smaps:SwapPss"),
        ("Locked", None),
    ]
    return [k for k, era in rows if era is None or (era != "never" and has(era, v))]


def _values(vs: Sequence[Vma], page_kb: int) -> dict[str, int]:
    """kB values of one VMA (or, summed, of the rollup): every resident page private to the task."""
    rss = sum(v.rss for v in vs) * 4
    anon = sum(v.rss for v in vs if v.kind == "anon") * 4
    file = sum(v.rss for v in vs if v.kind == "file") * 4
    shmem = sum(v.rss for v in vs if v.kind == "shmem") * 4
    dirty = anon + shmem
    huge = sum(v.pages for v in vs if v.kind == "hugetlb") * 4
    return dict(
        Size=sum(v.pages for v in vs) * 4,
        KernelPageSize=page_kb,
        MMUPageSize=page_kb,
        Rss=rss,
        Pss=rss,
        Pss_Dirty=dirty,
        Pss_Anon=anon,
        Pss_File=file,
        Pss_Shmem=shmem,
        Private_Clean=rss - dirty,
        Private_Dirty=dirty,
        Referenced=rss,
        Anonymous=anon,
        Shared_Hugetlb=huge,
    )


def _kb_lines(vals: dict[str, int], fields: list[str]) -> list[str]:
    # SEQ_PUT_DEC: the label padded to 16 columns, the value %8lu, then " kB"
    return [f"{k + ':':<16}{vals.get(k, 0):>8} kB" for k in fields]


def smaps(s: Snapshot, t: TaskInfo) -> str:
    fields = smaps_fields(s.kernel, rollup=False)
    v = KernelVersion(s.kernel)
    out: list[str] = []
    for vma in vmas(s, t):
        out.append(_maps_line(vma))
        out += _kb_lines(_values([vma], s.hugepage_kb if vma.kind == "hugetlb" else 4), fields)
        if has("smaps:THPeligible", v):
            eligible = vma.kind == "anon" and vma.pages >= 512 and s.thp_enabled == "always"
            out.append(f"THPeligible:    {int(eligible)}")
        if has("smaps:VmFlags", v):
            out.append("VmFlags: " + _vmflags(vma))
    return "\n".join(out)


_VMFLAGS = {
    "r-xp": "rd ex mr mw me",
    "rw-p": "rd wr mr mw me ac",
    "rw-s": "rd wr sh mr mw me ms",
    "r--s": "rd sh mr mw me ms",
    "r--p": "rd mr pf io de dd",  # [vvar]
}


def _vmflags(v: Vma) -> str:
    """show_smap_vma_flags(): the two-letter names of the VMA's flags."""
    if v.path == "[vdso]":
        return "rd ex mr mw me de "
    flags = _VMFLAGS[v.perms]
    if v.path == "[stack]":
        flags = "rd wr mr mw me gd ac"
    if v.kind == "hugetlb":
        flags += " de ht"
    return flags + " "


def smaps_rollup(s: Snapshot, t: TaskInfo) -> str:
    """/proc/PID/smaps_rollup (4.14+): the sums of smaps over the whole range of the VMAs."""
    vs = vmas(s, t)
    if not vs:
        return ""
    head = f"{vs[0].start:08x}-{vs[-1].end:08x} ---p 00000000 00:00 0"
    return "\n".join(
        [f"{head:<72} [rollup]", *_kb_lines(_values(vs, 4), smaps_fields(s.kernel, rollup=True))]
    )


def _nodes(counts: Sequence[int]) -> str:
    return "".join(f" N{z}={c}" for z, c in enumerate(counts) if c > 0)


def numa_maps(s: Snapshot, t: TaskInfo) -> str:
    """/proc/PID/numa_maps: one line per VMA, the policy, what is mapped, pages per node."""
    out = []
    huge_pages = s.hugepage_kb // 4
    for v in vmas(s, t):
        line = f"{v.start:x} default"
        if v.path.startswith("/"):
            line += " file=" + v.path.replace(" ", "\\040")
        elif v.path in ("[heap]", "[stack]"):
            line += " " + v.path.strip("[]")
        if v.kind == "hugetlb":
            counts = tuple(n // huge_pages for n in v.nodes)
            line += f" huge dirty={sum(counts)}{_nodes(counts)} kernelpagesize_kB={s.hugepage_kb}"
        elif v.rss:
            dirty = v.rss if v.kind in ("anon", "shmem") else 0
            what = f"anon={v.rss}" if v.kind == "anon" else f"mapped={v.rss}"
            line += (
                f" {what}" + (f" dirty={dirty}" if dirty else "") + f"{_nodes(v.nodes)} kernelpagesize_kB=4"
            )
        elif v.kind == "special":
            continue
        out.append(line)
    return "\n".join(out)


def numa_parts(s: Snapshot, t: TaskInfo) -> dict[str, list[float]]:
    """Huge/Heap/Stack/Private in MB per node, as numastat -p sums /proc/PID/numa_maps."""
    parts = {k: [0.0] * s.nnodes for k in ("Huge", "Heap", "Stack", "Private")}
    for v in vmas(s, t):
        key = "Huge" if v.kind == "hugetlb" else {"[heap]": "Heap", "[stack]": "Stack"}.get(v.path, "Private")
        if v.kind == "special":
            continue
        for z, n in enumerate(v.nodes):
            parts[key][z] += n / 256
    return parts
