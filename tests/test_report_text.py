"""The short default text report (issue 13): one line per property with a verdict per group
of finite params, the scope named once, what each engine did in its own measure, notes under
the property they concern, invariants only with -v and never in Z3's syntax, wrapped lines.

Pinned: the default report of `forkproof check models/libra_framework_upgrade.fork` fits in
40 lines of 100 columns (on the real command, slow; on its golden output, fast), and no line
of any text report, golden or of a shipped model, exceeds 160 columns."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.cli.main import cli
from tests.golden.test_cli_golden import CLI_DIR, read_args

ROOT = Path(__file__).resolve().parents[1]
LIBRA = "models/libra_framework_upgrade.fork"
MAX_COLUMNS = 160


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def stdout_of(expect: str) -> str:
    return expect.split("=== stdout ===\n", 1)[1].split("=== stderr ===", 1)[0]


def is_text(args: list[str]) -> bool:
    """A text report: check, diff or thresholds without --format (or --format text)."""
    if args[0] not in ("check", "diff", "thresholds") or "--help" in args:
        return False
    return "--format" not in args or args[args.index("--format") + 1] == "text"


TEXT_CASES = [p.stem for p in sorted(CLI_DIR.glob("*.args")) if is_text(read_args(p.stem))]


def test_the_golden_0l_report_fits_in_40_lines_of_100_columns():
    lines = stdout_of((CLI_DIR / "check_libra.expect").read_text()).splitlines()
    assert read_args("check_libra") == ["check", LIBRA]
    assert len(lines) <= 40, len(lines)
    assert max(map(len, lines)) <= 100
    # everything that matters is still there: both violations, their traces, every verdict
    text = "\n".join(lines)
    assert "invariant violated: resolved_had_two_thirds_yes, N = 2, RULE = Code" in text
    assert "property violated: resolvable_gets_resolved, N = 2, RULE = Code" in text
    assert "violated for N = 2..6; holds for N = 1" in text
    assert text.count("proved") >= 12 and "result: 12 proved, 2 violated; exit code 1" in text


@pytest.mark.slow
def test_the_real_0l_report_fits_in_40_lines_of_100_columns():
    r = invoke("check", str(ROOT / LIBRA))
    lines = r.stdout.splitlines()
    assert r.exit_code == 1
    assert len(lines) <= 40, r.stdout
    assert max(map(len, lines)) <= 100, r.stdout


@pytest.mark.parametrize("name", TEXT_CASES)
def test_no_line_of_a_golden_text_report_exceeds_160_columns(name):
    lines = stdout_of((CLI_DIR / f"{name}.expect").read_text()).splitlines()
    too_long = [line for line in lines if len(line) > MAX_COLUMNS]
    assert not too_long, too_long


# every shipped model's report, at the sizes tests/test_governance_models.py uses; the slow
# tier adds the 0L model's open N and a Cardano instance (about a minute)
SHIPPED = [("near_protocol_upgrade.fork",), ("libra_framework_upgrade.fork", "-p", "N=2"),
           ("polkadot_opengov_referendum.fork", "-p", "N=1"), ("sui_protocol_upgrade.fork", "-p", "N=2"),
           ("solana_feature_gate.fork", "-p", "N=2", "-p", "R=1")]
SHIPPED_SLOW = [("libra_framework_upgrade.fork",),
                ("cardano_cip1694_ratification.fork", "-p", "D=1", "-p", "S=1", "-p", "C=2", "-p", "MAXSTAKE=2")]


@pytest.mark.parametrize("args", [pytest.param(a, id=" ".join(a)) for a in SHIPPED]
                         + [pytest.param(a, id=" ".join(a), marks=pytest.mark.slow) for a in SHIPPED_SLOW])
def test_no_line_of_a_shipped_models_report_exceeds_160_columns(args):
    model, *params = args
    for extra in ((), ("-v",)):
        r = invoke("check", str(ROOT / "models" / model), *params, *extra)
        assert r.exit_code in (0, 1, 3), r.output
        too_long = [line for line in r.stdout.splitlines() if len(line) > MAX_COLUMNS]
        assert not too_long, too_long


@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
def test_invariants_only_with_verbose_and_in_the_models_syntax():
    args = ("check", str(ROOT / LIBRA), "-p", "N=2", "-p", "RULE=Intended", "--engine", "pdr")
    short, long = invoke(*args), invoke(*args, "-v")
    assert "inductive invariant" not in short.stdout
    assert "inductive invariant of tampered_script_never_runs" in long.stdout
    assert "Z3 syntax" not in long.stdout and "(declare" not in long.stdout
    header = next(line for line in long.stdout.splitlines() if line.lstrip().startswith("property"))
    assert "time" in header  # the table's header: times with -v
    assert max(len(line) for line in long.stdout.splitlines()) <= 100


def test_state_counts_per_engine_and_notes_under_their_property():
    r = invoke("check", str(ROOT / LIBRA), "-p", "N=2", "-p", "RULE=Code", "--engine", "bmc", "--depth", "4")
    assert "engines: bmc to depth 4;" in r.stdout and "0 states" not in r.stdout
    lines = r.stdout.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("  voting_closes"))
    assert lines[i + 1].strip() == "no lasso up to depth 4 (not a proof)"
    r = invoke("check", str(ROOT / "models" / "near_protocol_upgrade.fork"))
    assert "engines: explicit 826 states, depth 19 (+2,513 for liveness);" in r.stdout


@pytest.mark.slow  # 6 s: the whole 0L model at every size
def test_json_keeps_every_note_and_says_the_group_and_cross_check():
    r = invoke("check", str(ROOT / LIBRA), "-p", "N=2", "--engine", "pdr", "--format", "json")
    props = json.loads(r.stdout)["models"][0]["properties"]
    assert {p["group"] for p in props} == {"RULE = Code", "RULE = Intended"}
    assert any(n.startswith("inductive invariant of ") for p in props for n in p["notes"])
    assert all(p["cross_check"] is None for p in props)


def test_a_long_reason_wraps_with_indented_continuation_lines():
    r = invoke("check", str(ROOT / "tests" / "data" / "weak_clock.fork"))
    lines = r.stdout.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("property violated: epoch_advances"))
    assert lines[i + 1].startswith("  a fairness problem that only strong fairness fixes")
    assert lines[i + 2].startswith("    ") and all(len(line) <= 100 for line in lines)
    assert "`strong fair action tick`" in r.stdout  # a declaration is never split over two lines


def test_a_long_invariant_is_cut_at_a_conjunct_in_text_and_whole_in_json():
    """Issue 12: at most a few lines per invariant in text mode (-v); the whole one in JSON."""
    from forkproof.output.report import INVARIANT_CHARS, _shortened
    body = " and ".join(f"x{i} <= {i}" for i in range(80))
    note = f"inductive invariant of p: {body}"
    cut = _shortened(note)
    assert len(cut) <= INVARIANT_CHARS + 100 and cut.startswith("inductive invariant of p: x0 <= 0 and x1 <= 1")
    kept = cut.split(": ", 1)[1].split(" ... ")[0].count(" and ") + 1
    assert f"... (and {80 - kept} more conjuncts; the whole invariant: --format json or --certificate)" in cut
    assert _shortened("inductive invariant of p: x <= 1") == "inductive invariant of p: x <= 1"
    one = _shortened("inductive invariant of p: " + "x + " * 200 + "1 >= 0")
    assert one.endswith("... (cut; the whole invariant: --format json or --certificate)") and len(one) < 600
