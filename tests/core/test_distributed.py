"""Data-parallel training on CPU with two gloo processes."""

import gc
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from smoothnet.core.loss import SmoothNetLoss
from smoothnet.core.schedule import make_optimizer
from smoothnet.core.trainer import train_step
from smoothnet.models.registry import ModelSpec
from smoothnet.prep.synthetic import write_synthetic_dataset
from tests.conftest import ROOT, SMALL_RUN

SPEC = ModelSpec(8, "smoothnet", 32, 8, 2, dropout=0.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return torch.randn(8, 8, 5, generator=g), torch.randn(8, 8, 5, generator=g)


def one_step(model: torch.nn.Module, pred: torch.Tensor, gt: torch.Tensor) -> None:
    from smoothnet.core.settings import TrainSettings

    optimizer, _ = make_optimizer(model, TrainSettings(lr=0.01, lr_decay=0.95))
    train_step(model, optimizer, SmoothNetLoss(0.1, 1.0), pred, gt)


def worker(rank: int, port: int, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(SPEC.build())
    pred, gt = batch()
    one_step(model, pred[rank * 4 : rank * 4 + 4], gt[rank * 4 : rank * 4 + 4])
    if rank == 0:
        torch.save(model.module.state_dict(), out)
    del model  # the DDP reducer holds the process group: release it first
    gc.collect()
    dist.barrier()  # neither peer tears gloo down while the other still uses it
    dist.destroy_process_group()


def test_one_ddp_step_equals_one_step_on_the_global_batch(tmp_path):
    out = str(tmp_path / "ddp.pt")
    mp.spawn(worker, args=(free_port(), out), nprocs=2, join=True)
    torch.manual_seed(0)
    single = SPEC.build()
    one_step(single, *batch())
    ddp_state = torch.load(out)
    for key, value in single.state_dict().items():
        torch.testing.assert_close(ddp_state[key], value, atol=1e-6, rtol=1e-5)
    assert not torch.equal(ddp_state["decoder.bias"], SPEC.build().state_dict()["decoder.bias"])


@pytest.mark.skipif(
    not (Path(sys.executable).parent / "torchrun").exists(), reason="torchrun not installed"
)
def test_torchrun_two_processes_only_rank_zero_writes(tmp_path):
    base = tmp_path / "poses"
    write_synthetic_dataset(base, "h36m", "fcn", "3D", num_sequences=2, length_range=(60, 80))
    out = tmp_path / "out"
    cmd = [str(Path(sys.executable).parent / "torchrun"), "--nproc_per_node", "2",
           "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
           str(ROOT / "train_smoothnet.py"), "--dataset_name", "h36m", "--estimator", "fcn",
           "--body_representation", "3D", *SMALL_RUN, "DATASET.BASE_DIR", str(base),
           "OUTPUT_DIR", str(out), "TRAIN.EPOCH", "2"]  # fmt: skip
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = list(out.iterdir())
    lines = (run / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2  # one writer: rank 0
    assert (run / "checkpoint_best.pth.tar").is_file()
    assert len(list(run.glob("events.out.tfevents*"))) == 1
