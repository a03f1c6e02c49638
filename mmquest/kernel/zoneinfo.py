"""Per-zone state for /proc/zoneinfo, /proc/buddyinfo and /proc/pagetypeinfo, read off the machine.

The zones come from :func:`.watermark.machine_zones`; their watermarks from the machine (the
kernel's ``__setup_per_zone_wmarks`` where a workload set the watermark model up, otherwise
the machine's per-node arrays split by managed pages); their free lists from the
fragmentation model of the zones a workload drives (:class:`.compaction.ThpZone`), otherwise
from a standing mix: a quarter of a zone's free memory in whole pageblocks, the rest
scattered, 2 % of the pageblocks unmovable and 1 % reclaimable (an assumption of this model
for boxes whose incident does not turn on fragmentation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .buddy import PAGEBLOCK_NR_PAGES, FreeArea, blocks_by_type, free_area_by_type, free_area_counts
from .watermark import Zone, lowmem_reserve

WHOLE_BLOCK_SHARE = 0.25
UNMOVABLE_SHARE = 0.02
RECLAIMABLE_SHARE = 0.01


@dataclass(frozen=True)
class ZoneSnap(Zone):
    """A zone (its place and page counts) with its state as the zone files show it."""

    free: int
    min: int
    low: int
    high: int
    protection: tuple[int, ...]
    free_area: tuple[int, ...]  # nr_free per order 0..10
    by_type: tuple[tuple[str, tuple[int, ...]], ...]  # free lists per migratetype
    blocks: tuple[tuple[str, int], ...]  # pageblocks per migratetype
    file: int = 0
    anon: int = 0


def standing_area(managed: int, free: float) -> FreeArea:
    blocks = managed / PAGEBLOCK_NR_PAGES
    return FreeArea(
        blocks=blocks,
        free_blocks=free * WHOLE_BLOCK_SHARE / PAGEBLOCK_NR_PAGES,
        scattered=free * (1.0 - WHOLE_BLOCK_SHARE),
        unmovable_blocks=blocks * UNMOVABLE_SHARE,
        reclaimable_blocks=blocks * RECLAIMABLE_SHARE,
    )


def zone_snapshots(m: Any) -> tuple[ZoneSnap, ...]:
    """Every zone of machine ``m`` (a kernel.machine.Machine) as the zone files show it."""
    zones: list[Zone] = m.zones
    prot = lowmem_reserve(zones)
    free = m.free
    node_managed = {n: sum(z.managed for z in zones if z.node == n) for n in range(m.nnodes)}
    wms = m.zone_wmarks()
    # ZONE_DMA is protected from almost every allocation (lowmem_reserve): it stays nearly free.
    dma = {z.node: min(0.97 * z.managed, float(free[z.node])) for z in zones if z.name == "DMA"}
    out = []
    for i, z in enumerate(zones):
        rest = node_managed[z.node] - sum(x.managed for x in zones if x.node == z.node and x.name == "DMA")
        if z.name == "DMA":
            zfree = dma[z.node]
        else:
            zfree = (float(free[z.node]) - dma.get(z.node, 0.0)) * z.managed / max(rest, 1)
        thp = m.thp_zones.get(z.node) if z.name == "Normal" else None
        area = thp.area if thp is not None else standing_area(z.managed, zfree)
        zfree = area.free_pages if thp is not None else zfree
        w = wms[i]
        out.append(
            ZoneSnap(
                node=z.node,
                name=z.name,
                start_pfn=z.start_pfn,
                spanned=z.spanned,
                present=z.present,
                managed=z.managed,
                free=int(zfree),
                min=w.min,
                low=w.low,
                high=w.high,
                protection=prot[i],
                free_area=tuple(free_area_counts(area)),
                by_type=tuple((k, tuple(v)) for k, v in free_area_by_type(area, m.version).items()),
                blocks=tuple(blocks_by_type(area, m.version).items()),
            )
        )
    return tuple(out)
