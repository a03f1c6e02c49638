"""Boot (init/main.c and friends): the boot log and the processes every box starts with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .bootlog import BootBox, boot_lines
from .era import has

if TYPE_CHECKING:
    from .machinelike import MachineLike as _Machine
else:
    _Machine = object  # at run time the mixins are plain classes; Machine inherits them all


class Boot(_Machine):
    """Boot-time set-up: methods of :class:`~mmquest.kernel.machine.Machine`."""

    SHELL_PID = 4242

    def _spawn_system(self) -> None:
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

    def _spawn_kthreads(self, kthread: Callable[[str], None]) -> None:
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

    def _boot_log(self) -> None:
        v = self.version
        ts = iter(0.9 + i * 0.0137 for i in range(100))

        def L(text: str) -> None:
            self.log(text, at=next(ts))

        box = BootBox(
            str(v),
            self.nnodes,
            self.cpus_per_node,
            self.spec.mem_per_node_mb,
            tuple(tuple(int(d) for d in row) for row in self.distance),
        )
        for line in boot_lines(box, self.node_pages):  # before timekeeping: all at 0.000000
            self.log(line, at=0.0)
        if has("log:boot.smpboot_total", v):
            L(f"smpboot: Total of {self.ncpus} processors activated")
        else:
            L(f"Brought up {self.ncpus} CPUs")
        L("Freeing unused kernel memory: 1584K")
        ext4 = "EXT4-fs (dm-0): mounted filesystem with ordered data mode. Opts: (null)"
        L(ext4 + (". Quota mode: none." if has("log:boot.ext4_quota_mode", v) else ""))
        L("XFS (dm-2): Mounting Filesystem")
        L("XFS (dm-2): Ending clean mount")
        L("ixgbe 0000:03:00.0 eth0: NIC Link is Up 10 Gbps, Flow Control: RX/TX")
