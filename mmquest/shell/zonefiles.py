"""/proc/zoneinfo, /proc/buddyinfo, /proc/pagetypeinfo and the THP defrag file, from the snapshot.

Formats follow mm/vmstat.c (zoneinfo_show_print, frag_show_print, pagetypeinfo_showfree_print,
pagetypeinfo_showblockcount_print); the zoneinfo layout changed in v4.8 when the LRU moved to
the node (599d0c954f91: "per-node stats" and the zone's own counters below its watermarks).
Reconstructed from the kernel source of those releases, not from a capture.
"""

from __future__ import annotations

from ..kernel.era import has
from ..kernel.zoneinfo import ZoneSnap
from ..snapshot import Snapshot
from . import vfs as V

DEFRAG = "/sys/kernel/mm/transparent_hugepage/defrag"


def buddyinfo(s: Snapshot) -> str:
    return "\n".join(
        f"Node {z.node}, zone {z.name:>8} " + "".join(f"{c:6d} " for c in z.free_area) for z in s.zones
    )


def pagetypeinfo(s: Snapshot) -> str:
    orders = range(len(s.zones[0].free_area)) if s.zones else range(11)
    out = ["Page block order: 9", "Pages per block:  512", ""]
    out.append("Free pages count per migrate type at order " + "".join(f"{o:6d} " for o in orders))
    for z in s.zones:
        for t, row in z.by_type:
            out.append(
                f"Node {z.node:4d}, zone {z.name:>8}, type {t:>12} " + "".join(f"{c:6d} " for c in row)
            )
    out.append("")
    types = [t for t, _ in s.zones[0].blocks] if s.zones else []
    out.append(f"{'Number of blocks type':<23}" + "".join(f"{t:>12} " for t in types))
    for z in s.zones:
        out.append(f"Node {z.node}, zone {z.name:>8} " + "".join(f"{n:12d} " for _, n in z.blocks))
    return "\n".join(out)


def _zone_counters(s: Snapshot, z: ZoneSnap) -> list[tuple[str, int]]:
    """The zone's own counters: free pages, and its share of its node's memory by kind."""
    node = s.nodes[z.node]
    used = [x.managed - x.free for x in s.zones if x.node == z.node]
    share = max(z.managed - z.free, 0) / max(sum(max(u, 0) for u in used), 1)
    return [
        ("nr_free_pages", z.free),
        ("nr_zone_inactive_anon" if _new(s) else "nr_inactive_anon", int(node.anon * 0.3 * share)),
        ("nr_zone_active_anon" if _new(s) else "nr_active_anon", int(node.anon * 0.7 * share)),
        ("nr_zone_inactive_file" if _new(s) else "nr_inactive_file", int(node.inactive_file * share)),
        ("nr_zone_active_file" if _new(s) else "nr_active_file", int(node.active_file * share)),
        ("nr_zone_unevictable" if _new(s) else "nr_unevictable", 0),
        ("nr_zone_write_pending" if _new(s) else "nr_dirty", int(node.dirty * share)),
        ("nr_mlock", 0),
        ("nr_slab_reclaimable", int(node.slab_rec * share)),
        ("nr_slab_unreclaimable", int(node.slab_unrec * share)),
        ("nr_page_table_pages", int(node.kernel * 0.1 * share)),
        ("nr_kernel_stack", int(node.kernel * 0.02 * share * 4)),
        ("nr_bounce", 0),
        ("nr_free_cma", 0),
    ]


def _new(s: Snapshot) -> bool:
    return has("file:/proc/zoneinfo:per_node_stats", s.kernel)


def zoneinfo(s: Snapshot) -> str:
    out: list[str] = []
    seen_node: set[int] = set()
    for z in s.zones:
        out.append(f"Node {z.node}, zone {z.name:>8}")
        if _new(s) and z.node not in seen_node:
            seen_node.add(z.node)
            n = s.nodes[z.node]
            out.append("  per-node stats")
            for k, v in (
                ("nr_inactive_anon", n.anon * 0.3),
                ("nr_active_anon", n.anon * 0.7),
                ("nr_inactive_file", n.inactive_file),
                ("nr_active_file", n.active_file),
                ("nr_unevictable", 0),
                ("nr_slab_reclaimable", n.slab_rec),
                ("nr_slab_unreclaimable", n.slab_unrec),
                ("nr_anon_pages", n.anon),
                ("nr_mapped", n.mapped),
                ("nr_file_pages", n.file),
                ("nr_dirty", n.dirty),
                ("nr_writeback", 0),
                ("nr_shmem", n.shmem),
            ):
                out.append(f"      {k:<20} {int(v)}")
        out += [
            f"  pages free     {z.free}",
            f"        min      {z.min}",
            f"        low      {z.low}",
            f"        high     {z.high}",
        ]
        if not _new(s):
            out.append("        scanned  0")
        out += [
            f"        spanned  {z.spanned}",
            f"        present  {z.present}",
            f"        managed  {z.managed}",
        ]
        prot = "        protection: (" + ", ".join(str(p) for p in z.protection) + ")"
        counters = [f"      {k:<20} {v}" if _new(s) else f"    {k:<20} {v}" for k, v in _zone_counters(s, z)]
        out += [prot, *counters] if _new(s) else [*counters, prot]
        out += ["  pagesets", "    cpu: 0", "              count: 0", "              high:  0"]
        out += ["              batch: 1", "  vm stats threshold: 8"]
        if _new(s):
            out += ["  node_unreclaimable:  0", f"  start_pfn:           {z.start_pfn}"]
        else:
            out += ["  all_unreclaimable: 0", f"  start_pfn:         {z.start_pfn}", "  inactive_ratio:    1"]
    return "\n".join(out)


V.add(
    V.Route("/proc/zoneinfo", lambda c: zoneinfo(c.s)),
    V.Route("/proc/buddyinfo", lambda c: buddyinfo(c.s)),
    V.Route("/proc/pagetypeinfo", lambda c: pagetypeinfo(c.s)),
)
