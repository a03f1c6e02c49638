"""The headless contract: mmquest run/list/validate, exit statuses, JSON, determinism."""

import json
import subprocess
import sys

import pytest

from mmquest.cli import main

from .conftest import INCIDENTS, ROOT, base_toml, write_incident

SOLUTIONS = sorted(INCIDENTS.glob("*.toml"))


def run_cli(capsys, *args, stdin=None, monkeypatch=None):
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("toml", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_solution_script_resolves_its_incident(capsys, toml):
    from mmquest.incident_loader import load_incident

    inc = load_incident(toml)
    assert inc.solution, f"{toml.name} has no solution script"
    code, out, _ = run_cli(capsys, "run", str(toml), "--script", inc.solution, "--json")
    v = json.loads(out)
    assert code == 0 and v["resolved"] is True
    assert 0 <= v["resolved_at"] <= v["sim_time"]
    assert v["score"] > 500


@pytest.mark.parametrize("toml", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_wrong_paths_do_not_resolve(capsys, tmp_path, toml):
    from mmquest.incident_loader import load_incident

    inc = load_incident(toml)
    script = tmp_path / "wrong.sh"
    assert len(inc.wrong_paths) >= 5
    script.write_text("\n".join(line for wp in inc.wrong_paths for line in wp.lines) + "\nsleep 5m\nslo\n")
    code, out, _ = run_cli(capsys, "run", str(toml), "--script", str(script), "--json")
    v = json.loads(out)
    assert code == 1 and v["resolved"] is False and v["resolved_at"] is None


def test_json_has_the_contract_fields(capsys, tmp_path):
    script = tmp_path / "s"
    script.write_text("# a comment\nuname -r\n\nsleep 30s\nnumastat\n")
    _code, out, _ = run_cli(capsys, "run", "zone-reclaim", "--seed", "4", "--script", str(script), "--json")
    v = json.loads(out)
    assert {"incident", "seed", "resolved", "resolved_at", "score", "steps"} <= set(v)
    assert v["incident"] == "zone-reclaim" and v["seed"] == 4
    assert [s["command"] for s in v["steps"]] == ["uname -r", "sleep 30s", "numastat"]
    assert [s["t"] for s in v["steps"]] == [0.0, 0.0, 30.0]
    assert v["steps"][0]["output"] == "3.10.0"


def test_same_seed_and_script_give_byte_identical_json(capsys):
    sol = str(INCIDENTS / "zone-reclaim.solution")
    outs = []
    for _ in range(2):
        run_cli(capsys, "run", "zone-reclaim", "--seed", "9", "--script", sol, "--json")
    # run twice more and capture each separately
    for _ in range(2):
        main(["run", "zone-reclaim", "--seed", "9", "--script", sol, "--json"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    main(["run", "zone-reclaim", "--seed", "10", "--script", sol, "--json"])
    assert capsys.readouterr().out != outs[0]


def test_transcript_format(capsys, monkeypatch):
    code, out, _ = run_cli(
        capsys,
        "run",
        "zone-reclaim",
        "--script",
        "-",
        stdin="uname -r\nsleep 12\nslo\n",
        monkeypatch=monkeypatch,
    )
    lines = out.splitlines()
    assert lines[0] == "[t=   0.0s] $ uname -r" and lines[1] == "3.10.0"
    assert "[t=  12.0s] $ slo" in lines
    assert code == 1 and lines[-2].startswith("-- zone-reclaim seed 0: not resolved")
    assert lines[-1] == "-- still wrong: node reclaim was still on (vm.zone_reclaim_mode = 1)"


def test_bad_incident_file_exits_2_with_file_and_field(capsys, tmp_path):
    p = write_incident(tmp_path, base_toml().replace("threads = 48", 'threads = "many"'))
    code, out, err = run_cli(capsys, "run", str(p))
    assert code == 2 and out == ""
    assert str(p) in err and "workload[0].threads" in err and "Traceback" not in err


def test_unknown_incident_and_bad_usage_exit_2(capsys):
    code, _, err = run_cli(capsys, "run", "nope")
    assert code == 2 and "no incident with this id" in err
    with pytest.raises(SystemExit) as e:
        main(["run"])
    assert e.value.code == 2
    code, _, err = run_cli(capsys, "run", "zone-reclaim", "--script", "/no/such/script")
    assert code == 2 and "cannot read script" in err


def test_list(capsys):
    _code, out, _ = run_cli(capsys, "list")
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "ERA", "DIFFICULTY"]
    assert lines[1].startswith("zone-reclaim ") and "2014" in lines[1] and "medium" in lines[1]


def test_validate_bundled_and_broken(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "validate")
    assert code == 0 and out.count("ok ") == len(SOLUTIONS)
    bad = write_incident(
        tmp_path, base_toml().replace("cpu_us_per_op = 280", "cpu_us_per_op = 280\nturbo = 1")
    )
    code, out, _ = run_cli(capsys, "validate", str(bad))
    assert code == 2 and "workload[0].turbo: unknown field" in out


def test_validate_catches_a_solution_that_does_not_solve(capsys, tmp_path):
    (tmp_path / "lazy.solution").write_text("numastat\nsleep 3m\n")
    p = write_incident(tmp_path, 'solution = "lazy.solution"\n' + base_toml())
    code, out, _ = run_cli(capsys, "validate", str(p))
    assert code == 2 and "does not resolve the incident" in out


def test_headless_run_does_not_import_textual():
    code = (
        "import sys; from mmquest.cli import main; "
        f"rc = main(['run', 'zone-reclaim', '--script', r'{INCIDENTS / 'zone-reclaim.solution'}', '--json']); "
        "assert 'textual' not in sys.modules and 'rich' not in sys.modules, 'UI imported'; sys.exit(rc)"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["resolved"] is True


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("mmquest ")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "run" in capsys.readouterr().out
