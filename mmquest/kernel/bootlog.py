"""The first lines of the boot log, as the booted kernel's generation prints them.

linux_banner (init/version.c), the e820 map (arch/x86/kernel/e820.c), SRAT/NUMA and the zone
ranges (arch/x86/mm/numa.c, mm/page_alloc.c free_area_init), the zonelists (build_all_zonelists)
and the ``Memory:`` line (mem_init: the x86 format before 3.11, mem_init_print_info() since).
Formats reconstructed from the kernel source of each era where no capture exists (era.py notes).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .era import has, release_date
from .version import KernelVersion


@dataclass(frozen=True)
class BootBox:
    version: str
    nnodes: int
    cpus_per_node: int
    mem_per_node_mb: int
    distances: tuple[tuple[int, ...], ...]


def _gcc(v: KernelVersion) -> str:
    """The distribution compiler of the kernel's generation (RHEL 6/7, Ubuntu 16.04-22.04, Fedora)."""
    for since, gcc in (
        ("6.0", "12.2.1"),
        ("5.4", "9.3.0"),
        ("4.15", "7.3.0"),
        ("4.0", "4.9.2"),
        ("3.0", "4.8.2"),
    ):
        if not v < since:
            return gcc
    return "4.4.7"


def banner(box: BootBox) -> str:
    v = KernelVersion(box.version)
    built = _dt.datetime.combine(release_date(v), _dt.time(11, 16, 57)).strftime("%a %b %e %H:%M:%S UTC %Y")
    if has("log:boot.linux_version_ld", v):
        tools = f"(gcc (GCC) {_gcc(v)}, GNU ld version 2.38-16.el9)"
    else:
        tools = f"(gcc version {_gcc(v)} (GCC) )"
    smp = "SMP PREEMPT_DYNAMIC" if has("log:boot.preempt_dynamic", v) else "SMP"
    return f"Linux version {box.version} (mockbuild@build.mmquest) {tools} #1 {smp} {built}"


def _mem(lo: int, hi: int, wide: bool) -> str:
    return f"[mem {lo:#018x}-{hi:#018x}]" if wide else f"[mem {lo:#010x}-{hi:#010x}]"


def e820(box: BootBox) -> list[str]:
    v = KernelVersion(box.version)
    top = box.mem_per_node_mb * box.nnodes * 1024 * 1024 + (1 << 30)  # RAM above 4G: the PCI hole
    ranges = [
        (0x0, 0x9FBFF, "usable"),
        (0x9FC00, 0x9FFFF, "reserved"),
        (0x100000, 0xBFFDFFFF, "usable"),
        (0xBFFE0000, 0xBFFFFFFF, "reserved"),
        (0x100000000, top - 1, "usable"),
    ]
    out = ["BIOS-provided physical RAM map:"]
    for lo, hi, kind in ranges:
        if has("log:boot.e820_mem_format", v):
            out.append(f"BIOS-e820: [mem {lo:#018x}-{hi:#018x}] {kind}")
        else:
            out.append(f" BIOS-e820: {lo:016x} - {hi + 1:016x} ({kind})")
    return out


def numa(box: BootBox) -> list[str]:
    v = KernelVersion(box.version)
    node_bytes = box.mem_per_node_mb * 1024 * 1024
    out = [f"SRAT: PXM {z} -> APIC {z * box.cpus_per_node:#04x} -> Node {z}" for z in range(box.nnodes)]
    for z in range(box.nnodes):
        lo = z * node_bytes
        out.append(f"NUMA: Node {z} {_mem(lo, lo + node_bytes - 1, False)}")
    out.append(f"SLIT: node distances {' '.join(str(d) for d in box.distances[0])}")
    wide = has("log:boot.zone_ranges_wide", v)
    out += [
        "Zone ranges:",
        f"  DMA      {_mem(0x1000, 0xFFFFFF, wide)}",
        f"  DMA32    {_mem(0x1000000, 0xFFFFFFFF, wide)}",
        f"  Normal   {_mem(0x100000000, node_bytes * box.nnodes - 1, wide)}",
    ]
    if has("log:boot.zone_device", v):
        out.append("  Device   empty")
    return out


def zonelists(box: BootBox, node_pages: float) -> list[str]:
    v = KernelVersion(box.version)
    total = int(node_pages * box.nnodes * 0.985)
    out = []
    if has("log:boot.on_node_totalpages", v):
        out += [f"On node {z} totalpages: {int(node_pages)}" for z in range(box.nnodes)]
    if has("log:boot.zonelist_order_word", v):
        return [
            *out,
            f"Built {box.nnodes} zonelists in Node order, mobility grouping on.  Total pages: {total}",
        ]
    for z in range(box.nnodes):  # nearest first (build_zonelists)
        order = sorted(range(box.nnodes), key=lambda n: (box.distances[z][n], n))
        out.append(f"Fallback order for Node {z}: " + " ".join(str(n) for n in order) + " ")
    return [*out, f"Built {box.nnodes} zonelists, mobility grouping on.  Total pages: {total}"]


def memory_line(box: BootBox, node_pages: float) -> str:
    """``Memory:`` — mem_init()'s x86 line before 3.11, mem_init_print_info() since (7ee3d4e8cd56)."""
    v = KernelVersion(box.version)
    phys_kb = box.mem_per_node_mb * box.nnodes * 1024
    avail_kb = int(node_pages * box.nnodes * 4 * 0.994)
    if not has("log:boot.mem_init_print_info", v):
        return (
            f"Memory: {avail_kb}k/{phys_kb + 1048576}k available (6412k kernel code, 1048576k absent, "
            f"{phys_kb - avail_kb}k reserved, 4291k data, 1636k init)"
        )
    code, rw, ro = (16384, 2756, 10160) if not v < "5.0" else (6412, 1284, 2868)
    cma = ", 0K cma-reserved" if has("log:boot.mem_cma_reserved", v) else ""
    return (
        f"Memory: {avail_kb}K/{phys_kb}K available ({code}K kernel code, {rw}K rwdata, {ro}K rodata, "
        f"1620K init, 2332K bss, {phys_kb - avail_kb}K reserved{cma})"
    )


def boot_lines(box: BootBox, node_pages: float) -> list[str]:
    """The boot log up to the zonelists and the Memory: line, in the kernel's order."""
    v = box.version
    cmdline = f"BOOT_IMAGE=/vmlinuz-{v} root=/dev/mapper/vg0-root ro quiet"
    return [
        banner(box),
        f"Command line: {cmdline}",
        *e820(box),
        *numa(box),
        *zonelists(box, node_pages),
        f"Kernel command line: {cmdline}",
        memory_line(box, node_pages),
    ]
