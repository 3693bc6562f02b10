"""The fault-injection suite (scripts/reliability.py) on a small budget: Ctrl-C and kill -9
at random moments of a real training run, each resumed to the uninterrupted run's exact
weights; a full disk and an unwritable output stop with one line and leave nothing."""

from scripts import reliability


def test_every_fault_case_passes(tmp_path):
    outcomes = reliability.run_cases(cases=1, seed=3, output=tmp_path)
    assert {o.case for o in outcomes} == {"sigint", "kill9", "disk_full", "unwritable"}
    failed = [o for o in outcomes if not o.passed]
    assert not failed, reliability.markdown(failed)
    assert all(o.identical for o in outcomes if o.case in ("sigint", "kill9"))
    assert (tmp_path / "outcomes.md").read_text().count("| yes |") >= 4
