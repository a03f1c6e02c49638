"""The spec loader: valid files load, each kind of broken file names file and field."""

import pytest

from mmquest.incident_loader import IncidentError, discover, load_incident, resolve

from .conftest import INCIDENTS, base_toml, write_incident


def test_bundled_incidents_load_and_sort_by_order():
    incs, errors = discover()
    assert errors == []
    ids = [i.id for i in incs]
    assert ids[:2] == ["zone-reclaim", "zone-reclaim-hpc"]
    zr = incs[0]
    assert zr.machine.nodes == 2 and zr.machine.distances[0][1] == 32
    assert zr.slo.service == "db" and zr.sustain_s == 300
    assert [h.tier for h in zr.hints] == [1, 2, 3]
    assert zr.debrief.commits[0].id == "4f9b16a64753"


def test_resolve_by_id_and_by_path():
    assert resolve("zone-reclaim").id == "zone-reclaim"
    assert resolve(str(INCIDENTS / "zone-reclaim-hpc.toml")).id == "zone-reclaim-hpc"
    with pytest.raises(IncidentError, match="no incident with this id"):
        resolve("no-such-incident")


@pytest.mark.parametrize(
    "mutate, field, message",
    [
        (lambda t: t.replace('id = "zone-reclaim"', ""), "id", "missing required field"),
        (lambda t: t.replace("nodes = 2", 'nodes = "two"'), "machine.nodes", "expected an integer"),
        (
            lambda t: t.replace('kernel = "3.10.0"', 'kernel = "banana"'),
            "machine.kernel",
            "not a kernel version",
        ),
        (
            lambda t: t.replace("distances = [[10, 32], [32, 10]]", "distances = [[10, 32], [31, 10]]"),
            "machine.distances",
            "not symmetric",
        ),
        (
            lambda t: t.replace('difficulty = "medium"', 'difficulty = "nightmare"'),
            "difficulty",
            "must be one of",
        ),
        (
            lambda t: t.replace('[slo]\nservice = "db"', '[slo]\nservice = "nope"'),
            "slo.service",
            "no workload has service",
        ),
        (
            lambda t: t.replace('boot_kernels = ["3.10.0", "3.16.7"]', 'boot_kernels = ["3.16.7"]'),
            "machine.boot_kernels",
            "must include the running kernel",
        ),
        (
            lambda t: t + '\n[sysctl]\n"net.core.somaxconn" = 5\n',
            "sysctl.net.core.somaxconn",
            "sysctl names start with",
        ),
        (lambda t: t.replace('id = "4f9b16a64753"', 'id = "xyz"'), "debrief.commit[0].id", "hex commit id"),
    ],
)
def test_broken_fields_name_file_and_field(tmp_path, mutate, field, message):
    p = write_incident(tmp_path, mutate(base_toml()))
    with pytest.raises(IncidentError) as ei:
        load_incident(p)
    assert ei.value.field == field
    assert message in ei.value.message
    assert str(p) in str(ei.value)


def test_toml_syntax_error_names_the_file(tmp_path):
    p = write_incident(tmp_path, 'id = "x"\n[machine\n')
    with pytest.raises(IncidentError) as ei:
        load_incident(p)
    assert "TOML syntax error" in str(ei.value) and str(p) in str(ei.value)


def test_duplicate_ids_in_an_incident_pack_are_reported(tmp_path, monkeypatch):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "copy.toml").write_text(base_toml())
    monkeypatch.setenv("MMQUEST_INCIDENTS", str(pack))
    incs, errors = discover()
    assert [i.id for i in incs].count("zone-reclaim") == 1
    assert len(errors) == 1 and errors[0].field == "id" and "duplicate id" in errors[0].message


def test_the_format_reference_is_generated_from_the_schema():
    from mmquest.incident import reference_markdown

    doc = (INCIDENTS.parent / "docs" / "incident-format.md").read_text()
    assert reference_markdown() in doc  # regenerate: .venv/bin/python docs/regen.py
    assert "| `evidence` |" in doc and "| `release` |" in doc and "| `tolerate_s` |" in doc


@pytest.mark.parametrize(
    "mutate, field, message",
    [
        (
            lambda t: t.replace("evidence = [", "evidenc = [", 1),
            "[[diagnosis]][0]",
            "unknown field 'evidenc' (did you mean 'evidence'?)",
        ),
        (lambda t: t.replace("sustain_s = 300", "sustain = 300"), "[resolution]", "unknown field 'sustain'"),
        (lambda t: t.replace("tier = 3", 'tier = "3"'), "hint[2].tier", "expected an integer"),
        (lambda t: t.replace("correct = true", 'correct = "yes"'), "diagnosis", "expected true or false"),
        (
            lambda t: t.replace('effect = "harm"', 'effect = "oops"', 1),
            "wrong_path[0].effect",
            "must be one of",
        ),
    ],
)
def test_every_array_of_tables_is_checked_by_the_schema(tmp_path, mutate, field, message):
    p = write_incident(tmp_path, mutate(base_toml()))
    with pytest.raises(IncidentError) as ei:
        load_incident(p)
    assert ei.value.field.startswith(field) and message in ei.value.message, str(ei.value)
