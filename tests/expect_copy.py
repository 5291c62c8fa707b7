"""The 0L model with the code rule's known violations marked `expect violated` (issue 13):
tests/data/libra_expected.fork is `expected_copy` of models/libra_framework_upgrade.fork, and
tests/test_expect.py checks that it still is, so the copy cannot drift from the model."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "libra_framework_upgrade.fork"
COPY = ROOT / "tests" / "data" / "libra_expected.fork"

# declaration line -> the `expect` clause put on the line below it
EXPECTATIONS = {
    "invariant resolved_had_two_thirds_yes: ran implies ran_yes > 2/3 * N":
        'expect violated when RULE == Code "T = (N div 3) * 2 + 1 counts votes cast: one yes of two resolves"',
    "property resolvable_gets_resolved: resolvable ~> status == Resolved":
        'expect violated when RULE == Code "a later no vote undoes the code rule before anyone resolves"',
}

HEADER = ("// tests/data/libra_expected.fork: models/libra_framework_upgrade.fork with the code rule's\n"
          "// known violations marked `expect violated` (made by tests/expect_copy.py; do not edit by hand).\n")


def expected_copy(text: str, drop: tuple[str, ...] = ()) -> str:
    """The model's text with an `expect` below each declaration of EXPECTATIONS (those whose
    name is in `drop` left without it)."""
    out = []
    for line in text.splitlines(keepends=True):
        out.append(line)
        clause = EXPECTATIONS.get(line.rstrip("\n"))
        if clause is not None and not any(f" {name}:" in line for name in drop):
            out.append(f"  {clause}\n")
    assert len(out) - len(text.splitlines()) == len(EXPECTATIONS) - len(drop), "the model's declarations changed"
    return HEADER + "".join(out)


if __name__ == "__main__":
    COPY.write_text(expected_copy(MODEL.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {COPY.relative_to(ROOT)}")
