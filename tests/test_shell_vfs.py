"""The virtual filesystem from one route table: ls, cat, completion and writes cannot drift apart."""

import pytest

from mmquest.engine import Engine
from mmquest.incident_loader import load_incident
from mmquest.shell import complete
from mmquest.shell.vfs import EACCES, EISDIR, ENOENT, ENOTDIR, ROUTES, Route, VfsError, mode_string
from mmquest.world import World
from tests.conftest import INCIDENTS

IDS = sorted(p.stem for p in INCIDENTS.glob("*.toml"))
ERRNOS = {EACCES, ENOENT}  # what a listed file may answer instead of its text


@pytest.fixture(scope="module", params=IDS)
def eng(request):
    return Engine(World(load_incident(INCIDENTS / f"{request.param}.toml"), seed=3))


def walk(sh, path="/", seen=None):
    """Every path ls lists, depth first (pid directories: the first three and the shell's own)."""
    seen = seen if seen is not None else []
    s = sh.snap
    names = sh.vfs.listdir(s, path)
    pids = [n for n in names if n.isdigit()]
    for n in names:
        if n.isdigit() and n not in pids[:3] and n != str(sh.vfs.shell_pid):
            continue
        full = path.rstrip("/") + "/" + n
        seen.append(full)
        if sh.vfs.is_dir(s, full):
            walk(sh, full, seen)
    return seen


def test_every_listed_path_reads_or_fails_with_the_kernels_errno(eng):
    sh = eng.shell
    paths = walk(sh)
    assert len(paths) > 60
    files = 0
    for p in paths:
        st = sh.vfs.stat(sh.snap, p)
        if st.is_dir:
            with pytest.raises(VfsError) as e:
                sh.vfs.read(sh.snap, p)
            assert e.value.reason == EISDIR, p
            continue
        files += 1
        try:
            text = sh.vfs.read(sh.snap, p)
        except VfsError as e:
            assert e.reason in ERRNOS and e.reason != EISDIR, (p, e.reason)
            assert e.reason != EACCES or not st.mode & 0o444, p  # only an unreadable mode refuses root
            continue
        assert isinstance(text, str)
    assert files > 40


def test_cat_agrees_with_ls_on_every_file(eng):
    """The same walk through the commands: no listed file answers "Is a directory" or "No such file"."""
    sh = eng.shell
    for p in walk(sh):
        if sh.vfs.is_dir(sh.snap, p):
            continue
        st = eng.execute(f"cat {p}")
        assert "Is a directory" not in st.output and ENOENT not in st.output, (p, st.output)


def test_completion_offers_exactly_the_listed_entries(eng):
    sh = eng.shell
    for d in ("/", "/proc/sys/vm", "/sys/devices/system/node", "/sys/kernel", "/etc", "/boot"):
        listed = sh.vfs.listdir(sh.snap, d)
        offered = complete(sh, "cat " + d.rstrip("/") + "/")
        assert [o.rstrip("/").rsplit("/", 1)[1] for o in offered] == sorted(listed), d
        dirs = {o for o in offered if o.endswith("/")}
        assert dirs == {
            d.rstrip("/") + "/" + n + "/" for n in listed if sh.vfs.is_dir(sh.snap, d.rstrip("/") + "/" + n)
        }


def test_a_nodes_cpulist_agrees_with_numactl(eng):
    hw = eng.execute("numactl --hardware").output
    for line in hw.splitlines():
        if " cpus: " not in line:
            continue
        z = int(line.split()[1])
        cpus = [int(c) for c in line.split(": ")[1].split()]
        text = eng.execute(f"cat /sys/devices/system/node/node{z}/cpulist").output.strip()
        expanded = []
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            expanded += range(int(lo), int(hi or lo) + 1)
        assert sorted(expanded) == sorted(cpus), (z, text, cpus)


def test_drop_caches_is_write_only(eng):
    sh = eng.shell
    if "/proc/sys/vm/drop_caches" not in [r.pattern for r in ROUTES]:
        pytest.skip("no drop_caches route")
    st = eng.execute("cat /proc/sys/vm/drop_caches")
    assert st.output == "cat: /proc/sys/vm/drop_caches: Permission denied" and st.status == 1
    assert eng.execute("ls -l /proc/sys/vm/drop_caches").output.startswith("--w------- 1 root root 0 ")
    assert sh.vfs.stat(sh.snap, "/proc/sys/vm/drop_caches").mode == 0o200


def test_errnos_of_paths_that_are_not_there(eng):
    assert eng.execute("cat /proc/meminfo/x").output == f"cat: /proc/meminfo/x: {ENOTDIR}"
    assert eng.execute("cat /proc/nope").output == f"cat: /proc/nope: {ENOENT}"
    assert eng.execute("cat /proc/sys").output == f"cat: /proc/sys: {EISDIR}"
    assert eng.execute("ls /proc/meminfo/x").output == f"ls: cannot access '/proc/meminfo/x': {ENOTDIR}"
    assert eng.execute("echo 1 > /proc/sys").output == f"bash: /proc/sys: {EISDIR}"
    assert eng.execute("echo 1 > /proc/meminfo").output == f"bash: /proc/meminfo: {EACCES}"
    assert eng.execute("echo 1 > /tmp/nodir/x").output == f"bash: /tmp/nodir/x: {ENOENT}"


def test_ls_l_shows_each_routes_mode_and_the_tasks_owner(eng):
    sh = eng.shell
    s = sh.snap
    t = next(t for t in s.tasks if t.user != "root")
    out = eng.execute(f"ls -l /proc/{t.pid}").output.splitlines()
    assert out[0] == "total 0"
    rows = {r.split()[-1]: r.split() for r in out[1:]}
    assert rows["status"][0] == "-r--r--r--" and rows["status"][2] == t.user
    assert rows["oom_score_adj"][0] == "-rw-r--r--"  # the one file of the directory a write changes


def test_writes_go_through_the_route_and_keep_files_where_the_box_keeps_them(eng):
    assert eng.execute("echo hello > /tmp/a; cat /tmp/a").output == "hello"
    assert "a" in eng.execute("ls /tmp").output.split()
    assert eng.execute("echo x > /dev/null").status == 0


def test_mode_strings():
    assert mode_string(0o644, False) == "-rw-r--r--"
    assert mode_string(0o200, False) == "--w-------"
    assert mode_string(0o1777, True) == "drwxrwxrwt"
    assert mode_string(0o555, True) == "dr-xr-xr-x"


def test_a_route_names_only_known_parameters_and_era_entries():
    with pytest.raises(ValueError):
        Route("/proc/{nosuch}/x", lambda c: "")
    with pytest.raises(ValueError):
        Route("/proc/x", lambda c: "", era="file:/not/in/the/era/table")


def test_smaps_rollup_exists_from_4_14_on():
    for inc_id in IDS:
        w = World(load_incident(INCIDENTS / f"{inc_id}.toml"), seed=3)
        eng = Engine(w)
        from mmquest.kernel import KernelVersion

        new = not KernelVersion(w.snapshot().kernel) < "4.14"
        listed = "smaps_rollup" in eng.execute("ls /proc/1").output.split()
        assert listed == new, inc_id
        assert (eng.execute("cat /proc/1/smaps_rollup").status == 0) == new, inc_id
