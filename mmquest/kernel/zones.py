"""The machine's zones: watermarks from the sysctls, and the zones whose fragmentation a workload drives.

A mixin of :class:`~.machine.Machine` (like vmscan.py and page_alloc.py).  The zones come
from :func:`.watermark.machine_zones`; ``setup_per_zone_wmarks`` recomputes ``wm_min``,
``wm_low`` and ``wm_high`` from ``vm.min_free_kbytes`` and ``vm.watermark_scale_factor`` the
way the kernel does at boot and on a write of either (kernel/watermark.py).  Machines whose
incident does not call it keep the boot-time arrays the machine computes itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .buddy import PAGEBLOCK_NR_PAGES
from .compaction import ThpZone, compact_nodes, default_defrag
from .watermark import Watermarks, machine_zones, setup_per_zone_wmarks

if TYPE_CHECKING:  # pragma: no cover
    from .machinelike import MachineLike as _Machine
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all


class Zones(_Machine):
    def zones_boot(self) -> None:
        self.thp_defrag = default_defrag(self.version) if self.thp_enabled else None
        self.zones = machine_zones(self.nnodes, int(self.node_pages))
        # Zones whose fragmentation a workload drives (kernel/compaction.py), by node.
        self.thp_zones: dict[int, ThpZone] = {}
        self.wmark_model = False  # True once setup_per_zone_wmarks() owns wm_min/low/high

    def setup_per_zone_wmarks(self) -> None:
        """Watermarks from vm.min_free_kbytes and vm.watermark_scale_factor, zone by zone, as
        the kernel recomputes them at boot and on a write of either sysctl (kernel/watermark.py)."""
        self.wmark_model = True
        wms = self._zone_wmarks_model()
        for arr, key in ((self.wm_min, "min"), (self.wm_low, "low"), (self.wm_high, "high")):
            arr[:] = 0.0
            for z, w in zip(self.zones, wms, strict=True):
                arr[z.node] += getattr(w, key)

    def _zone_wmarks_model(self) -> list[Watermarks]:
        return setup_per_zone_wmarks(
            self.zones,
            int(self.sysctl.get("vm.min_free_kbytes", 67584)),
            self.version,
            int(self.sysctl.get("vm.watermark_scale_factor", 10)),
        )

    def zone_wmarks(self) -> list[Watermarks]:
        """Each zone's min/low/high: the kernel's computation once the watermark model is on,
        else the machine's per-node arrays split by the zones' managed pages."""
        if self.wmark_model:
            return self._zone_wmarks_model()
        out = []
        for z in self.zones:
            share = z.managed / sum(x.managed for x in self.zones if x.node == z.node)
            out.append(
                Watermarks(
                    int(self.wm_min[z.node] * share),
                    int(self.wm_low[z.node] * share),
                    int(self.wm_high[z.node] * share),
                )
            )
        return out

    def compact_thp_zones(self) -> float:
        """compact_memory on the zones whose fragmentation is modelled: CPU seconds it took."""
        return sum((compact_nodes(z, self.ev) for z in self.thp_zones.values()), 0.0)

    def thp_zones_freed(self, freed: np.ndarray) -> None:
        """Pages freed en masse (drop_caches): cache-only pageblocks come back whole."""
        for node, z in self.thp_zones.items():
            share = z.area.blocks * PAGEBLOCK_NR_PAGES / self.node_pages
            z.area.free_whole(float(freed[node]) * share, z.whole_share)
