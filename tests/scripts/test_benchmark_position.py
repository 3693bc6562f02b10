"""scripts/benchmark_position.py: a pass-through model is position-independent, a random
nonlinear one is not, and the figures land in the output files."""

import json

import pytest

from scripts import benchmark_position
from tests.core.test_smoother import identity_checkpoint, random_checkpoint


def test_identity_errors_equal_the_input_and_a_random_model_depends_on_position(tmp_path):
    identity = identity_checkpoint(tmp_path / "identity.pth")
    random = random_checkpoint(tmp_path / "random.pth", person_size=0.2)
    out = tmp_path / "position"
    argv = ["--checkpoints", f"{identity},{random}", "--shifts=-0.5,0,0.5", "--output", str(out)]
    assert benchmark_position.main(argv) == 0
    result = json.loads((out / "position.json").read_text())
    assert result["input_mpjpe"] == pytest.approx(5.0, rel=0.05)  # 1 % of 400 px, 2D norm
    assert result["mpjpe"][str(identity)] == pytest.approx([result["input_mpjpe"]] * 3, rel=1e-4)
    errors = result["mpjpe"][str(random)]
    assert max(errors) / min(errors) > 1.05
    assert "| max/min |" in (out / "position.md").read_text()
    with pytest.raises(SystemExit):
        benchmark_position.main(["--shifts", "a,b", "--output", str(out)])
