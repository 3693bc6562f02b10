"""Fault injection: interrupt, kill and starve a small training run, and check what is left.

Each case runs ``train_smoothnet.py`` in a subprocess on generated data:

- ``sigint``: Ctrl-C at a random moment, then ``--resume`` from the saved position;
- ``kill9``: ``kill -9`` at a random moment (nothing can be saved), then ``--resume`` from
  the last finished epoch (or a fresh start when none finished);
- ``disk_full``: the process may write at most a few hundred kilobytes (``RLIMIT_FSIZE``,
  as a full disk): the run must stop with one line, leave no temporary file and no
  half-written checkpoint;
- ``unwritable``: ``OUTPUT_DIR`` inside a file: one line, nothing created.

A resumed run must end bit for bit where the uninterrupted run ends (every weight equal).
Writes ``outcomes.json`` and ``outcomes.md`` under ``--output``::

    python scripts/reliability.py --cases 3 --output results/reliability
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SMALL = [
    "--dataset_name",
    "h36m",
    "--estimator",
    "fcn",
    "--body_representation",
    "3D",
    "--slide_window_size",
    "16",
    "MODEL.HIDDEN_SIZE",
    "64",
    "MODEL.RES_HIDDEN_SIZE",
    "16",
    "MODEL.NUM_BLOCK",
    "1",
    "MODEL.DROPOUT",
    "0.25",
    "TRAIN.BATCH_SIZE",
    "32",
    "TRAIN.LR",
    "0.003",
    "DEVICE",
    "cpu",
    "TRAIN.EPOCH",
    "8",
    "LOSS.NORM",
    "l2",
    "TRAIN.LR_SCHEDULE",
    "cosine",
    "TRAIN.WARMUP_STEPS",
    "2",
    "TRAIN.AUGMENT.SPEED",
    "[0.5, 2.0]",
    "TRAIN.AUGMENT.NOISE",
    "[0.01, 0.1]",
]


@dataclass
class Outcome:
    """What one fault case did and left."""

    case: str
    fault_after_s: float
    exit_code: int
    message: str
    resumed_from: str
    identical: bool | None
    leftovers: list[str]
    passed: bool


def train(args: list[str], env_limit: int | None = None) -> subprocess.Popen:
    def limit() -> None:
        if env_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (env_limit, env_limit))

    command = [sys.executable, str(ROOT / "train_smoothnet.py"), *args]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=600)
    lines = [line for line in err.splitlines() if line.strip() and "%|" not in line]
    return process.returncode, lines[-1] if lines else ""


def weights(run: Path) -> dict[str, np.ndarray]:
    import torch

    state = torch.load(run / "checkpoint_last.pth.tar", map_location="cpu", weights_only=True)
    return {k: v.numpy() for k, v in state["state_dict"].items()}


def finished(checkpoint: Path) -> bool:
    """Whether ``checkpoint`` holds the run's last epoch."""
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    return state.get("epoch") == int(SMALL[SMALL.index("TRAIN.EPOCH") + 1]) - 1


def leftovers(run: Path | None) -> list[str]:
    if run is None or not run.is_dir():
        return []
    return sorted(p.name for p in run.iterdir() if p.name.endswith(".tmp"))


def only_run(output: Path) -> Path | None:
    runs = [p for p in output.iterdir() if p.is_dir()] if output.is_dir() else []
    return runs[0] if len(runs) == 1 else None


def interrupted_case(kind: str, base: list[str], work: Path, delay: float, reference) -> Outcome:
    """Start, fault after ``delay`` seconds, resume, and compare with ``reference``."""
    out = work / f"{kind}_{delay:.2f}"
    process = train([*base, "OUTPUT_DIR", str(out)])
    time.sleep(delay)
    process.send_signal(signal.SIGINT if kind == "sigint" else signal.SIGKILL)
    code, message = finish(process)
    run = only_run(out)
    position = run / "checkpoint_interrupted.pth.tar" if run else None
    last = run / "checkpoint_last.pth.tar" if run else None
    if last is not None and last.is_file() and finished(last):  # the fault came too late
        same = all(np.array_equal(a, reference[k]) for k, a in weights(run).items())
        return Outcome(
            kind,
            delay,
            code,
            message,
            "(finished first)",
            same,
            leftovers(run),
            same and not leftovers(run),
        )
    if position is not None and position.is_file():
        resume = ["--resume", str(position), "--cfg", str(run / "config.yaml")]
    elif last is not None and last.is_file():
        resume = ["--resume", str(last), "--cfg", str(run / "config.yaml")]
    else:  # faulted before the first epoch: start again
        resume = [*base, "OUTPUT_DIR", str(work / f"{kind}_{delay:.2f}_again")]
    code_after, _ = finish(train(resume))
    final = run if "--resume" in resume else only_run(work / f"{kind}_{delay:.2f}_again")
    same = final is not None and all(
        np.array_equal(a, reference[k]) for k, a in weights(final).items()
    )
    origin = Path(resume[1]).name if "--resume" in resume else "a fresh start"
    ok = code in (130, -9, 137, 0) and code_after == 0 and same and not leftovers(run)
    return Outcome(kind, delay, code, message, origin, same, leftovers(run), ok)


def disk_full_case(base: list[str], work: Path) -> Outcome:
    out = work / "disk_full"
    code, message = finish(train([*base, "OUTPUT_DIR", str(out)], env_limit=30_000))
    run = only_run(out)
    partial = []
    if run is not None and (run / "checkpoint_last.pth.tar").is_file():
        try:
            weights(run)
        except Exception:
            partial.append("checkpoint_last.pth.tar (unreadable)")
    left = leftovers(run) + partial
    ok = code == 1 and message.startswith("error: cannot write") and not left
    return Outcome("disk_full", 0.0, code, message, "", None, left, ok)


def unwritable_case(base: list[str], work: Path) -> Outcome:
    blocker = work / "a_file"
    blocker.write_text("x")
    code, message = finish(train([*base, "OUTPUT_DIR", str(blocker / "results")]))
    ok = code != 0 and "is a file, not a folder" in message and blocker.read_text() == "x"
    return Outcome("unwritable", 0.0, code, message, "", None, [], ok)


def markdown(outcomes: list[Outcome]) -> str:
    lines = [
        "| case | fault after (s) | exit | last line | resumed from | bit-identical | "
        "temporaries left | passed |",
        "|---" * 8 + "|",
    ]
    for o in outcomes:
        same = "" if o.identical is None else ("yes" if o.identical else "NO")
        lines.append(
            f"| {o.case} | {o.fault_after_s:.2f} | {o.exit_code} | {o.message[:90]} | "
            f"{o.resumed_from} | {same} | {', '.join(o.leftovers) or 'none'} | "
            f"{'yes' if o.passed else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def run_cases(cases: int, seed: int, output: Path) -> list[Outcome]:
    from smoothnet.prep.synthetic import write_synthetic_dataset
    from smoothnet.utils.io import write_json_atomic, write_text_atomic

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_synthetic_dataset(
            work / "poses", "h36m", "fcn", "3D", num_sequences=3, length_range=(300, 400)
        )
        base = [*SMALL, "DATASET.BASE_DIR", str(work / "poses")]
        start = time.perf_counter()
        code, message = finish(train([*base, "OUTPUT_DIR", str(work / "straight")]))
        if code != 0:
            raise SystemExit(f"error: the uninterrupted run failed: {message}")
        span = time.perf_counter() - start
        reference = weights(only_run(work / "straight"))
        outcomes = []
        for kind in ("sigint", "kill9"):
            for _ in range(cases):
                delay = float(rng.uniform(0.55, 0.95) * span)
                outcomes.append(interrupted_case(kind, base, work, delay, reference))
        outcomes += [disk_full_case(base, work), unwritable_case(base, work)]
    output.mkdir(parents=True, exist_ok=True)
    write_json_atomic(output / "outcomes.json", [asdict(o) for o in outcomes])
    write_text_atomic(output / "outcomes.md", markdown(outcomes))
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3, help="SIGINT and kill -9 cases each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=ROOT / "results/reliability")
    args = parser.parse_args(argv)
    if args.cases < 1:
        parser.error(f"--cases must be >= 1, got {args.cases}")
    outcomes = run_cases(args.cases, args.seed, args.output)
    print(markdown(outcomes))
    failed = [o.case for o in outcomes if not o.passed]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} cases passed; wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
