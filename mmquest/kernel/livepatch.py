"""Live patches (kernel/livepatch, kpatch): which fixes are loaded into the running kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all

# Effects a live patch can have on the model ("none": a decoy that changes nothing).
# A patch may have several, joined by "+" (a backport that carries its prerequisite).
PATCH_EFFECTS = {"none", "pagehuge_fastpath", "oom_rss_sum", "procfs_rss_sum"}


class LivePatch(_Machine):
    """kpatch load/unload: methods of :class:`~mmquest.kernel.machine.Machine`."""

    def load_patch(self, pid: str, effect: str) -> None:
        self.patches[pid] = effect
        self.log(f"kpatch_{pid}: loading out-of-tree module taints kernel.")
        self.log(f"kpatch_{pid}: tainting kernel with TAINT_LIVEPATCH")
        self.log(f"kpatch: loaded patch module 'kpatch_{pid}'")

    def unload_patch(self, pid: str) -> None:
        self.patches.pop(pid, None)
        self.log(f"kpatch: unloaded patch module 'kpatch_{pid}'")

    def has_effect(self, effect: str) -> bool:
        return any(effect in e.split("+") for e in self.patches.values())
