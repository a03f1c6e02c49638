# A mixin of Machine: its methods take ``self: Machine``, which mypy accepts only when the self type
# is a supertype of the mixin (or a Protocol); the check at each def is the one silenced here.
# mypy: disable-error-code="misc"
"""Boot (init/main.c and friends): the boot log and the processes every box starts with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .era import has

if TYPE_CHECKING:
    from .machine import Machine


class Boot:
    """Boot-time set-up: methods of :class:`~mmquest.kernel.machine.Machine`."""

    SHELL_PID = 4242

    def _spawn_system(self: Machine) -> None:
        """The processes every box has: init, kernel threads, a few daemons, the operator's bash."""

        def kthread(name: str) -> None:
            t = self.spawn(name, 1, [1.0 / self.nnodes] * self.nnodes, cmdline=f"[{name}]")
            t.vm_extra_pages = 0.0
            t.extra["kthread"] = True

        init = self.spawn(
            "systemd",
            1,
            [1.0 / self.nnodes] * self.nnodes,
            cmdline="/usr/lib/systemd/systemd --switched-root --system --deserialize 21",
        )
        init.anon[0], init.file[0] = 900, 650
        kthread("kthreadd")
        for c in range(min(self.ncpus, 4)):
            kthread(f"ksoftirqd/{c}")
        self.reserve_pids(80)
        for z in range(self.nnodes):
            kthread(f"kswapd{z}")
        if not self.version < "2.6.38":
            kthread("khugepaged")
        self._spawn_kthreads(kthread)
        self.reserve_pids(1100)
        for comm, cmd in (
            ("rsyslogd", "/usr/sbin/rsyslogd -n"),
            ("crond", "/usr/sbin/crond -n"),
            ("sshd", "/usr/sbin/sshd -D"),
            ("tuned", "/usr/bin/python -Es /usr/sbin/tuned -l -P"),
        ):
            t = self.spawn(comm, 1 if comm != "tuned" else 5, [1.0] + [0.0] * (self.nnodes - 1), cmdline=cmd)
            t.anon[0], t.file[0] = 700 + 150 * len(comm), 800
        self.reserve_pids(2100)
        saved = self.next_pid
        self.next_pid = self.SHELL_PID
        sh = self.spawn("bash", 1, [1.0] + [0.0] * (self.nnodes - 1), cmdline="-bash")
        sh.anon[0], sh.file[0] = 520, 380
        self.next_pid = saved

    def _spawn_kthreads(self: Machine, kthread: Callable[[str], None]) -> None:
        """The other kernel threads `ps -e` lists on every box (top counts them too): one
        migration, softirq and workqueue worker per CPU, and the global ones (kcompactdN
        per node where the kernel has kcompactd)."""
        for c in range(self.ncpus):
            kthread(f"migration/{c}")
            if c >= 4:  # ksoftirqd/0-3 were started with kthreadd
                kthread(f"ksoftirqd/{c}")
            kthread(f"kworker/{c}:0")
        for name in ("rcu_sched", "khungtaskd", "kdevtmpfs", "kblockd", "kauditd", "jbd2/dm-0-8"):
            kthread(name)
        if has("mech:kcompactd", self.version):
            for z in range(self.nnodes):
                kthread(f"kcompactd{z}")

    def _boot_log(self: Machine) -> None:
        v = self.version
        ts = iter(i * 0.0137 + (0.9 if i > 12 else 0.0) for i in range(100))

        def L(text: str) -> None:
            self.log(text, at=next(ts))

        L(f"Linux version {v} (mockbuild@build.mmquest) (gcc version 4.8.2) #1 SMP")
        L(f"Command line: BOOT_IMAGE=/vmlinuz-{v} root=/dev/mapper/vg0-root ro quiet")
        for nid in range(self.nnodes):
            L(f"SRAT: PXM {nid} -> APIC {nid * self.cpus_per_node:#04x} -> Node {nid}")
        for nid in range(self.nnodes):
            lo = nid * self.spec.mem_per_node_mb * 1024 * 1024
            hi = lo + self.spec.mem_per_node_mb * 1024 * 1024 - 1
            L(f"NUMA: Node {nid} [mem {lo:#018x}-{hi:#018x}]")
        L(f"SLIT: node distances {' '.join(str(d) for d in self.distance[0])}")
        L("Zone ranges:")
        L("  DMA      [mem 0x00001000-0x00ffffff]")
        L("  DMA32    [mem 0x01000000-0xffffffff]")
        L("  Normal   [mem 0x100000000-0x%x]" % (self.spec.mem_per_node_mb * self.nnodes * 1024 * 1024 - 1))
        for nid in range(self.nnodes):
            L(f"On node {nid} totalpages: {int(self.node_pages)}")
        L(
            f"Built {self.nnodes} zonelists in Node order, mobility grouping on.  Total pages: "
            f"{int(self.node_pages * self.nnodes * 0.985)}"
        )
        L(f"smpboot: Total of {self.ncpus} processors activated")
        L("Freeing unused kernel memory: 1584K")
        L("EXT4-fs (dm-0): mounted filesystem with ordered data mode. Opts: (null)")
        L("XFS (dm-2): Mounting Filesystem")
        L("XFS (dm-2): Ending clean mount")
        L("ixgbe 0000:03:00.0 eth0: NIC Link is Up 10 Gbps, Flow Control: RX/TX")
