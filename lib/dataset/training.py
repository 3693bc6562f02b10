"""Training windows: every valid window of every sequence, gathered in batches.

All sequences of a set are stored back to back in one ``(F, C)`` array (a
sequence shorter than W is padded to W frames), and a window is its first
row. A batch of windows is one vectorised gather, so no DataLoader workers
are needed.

Sampling (``TRAIN.SAMPLING``):

- ``"uniform"`` (default): each valid window (start 0 .. L-W of every
  sequence, one padded window for a sequence shorter than W) once per epoch,
  in a random order.
- ``"original"``: the original's indexing, kept to reproduce its training:
  the last window of every sequence but the last is never used and the last
  sequence takes all the surplus indices (for aist/h36m/jhmdb the epoch
  length is the total frame count); short sequences are zero-padded.
"""

from __future__ import annotations

import bisect
import copy

import numpy as np
import torch

from ..choices import SAMPLING_MODES
from ..utils.windows import pad_sequence
from .augment import Augmentation, augment_batch
from .base import PoseSequence, SequenceSet, bare_name


class TrainingWindows(torch.utils.data.Dataset):
    """Windows of ``window_size`` frames over a list of sequences.

    Args:
        sequences: ``(detected, groundtruth)`` of every sequence in model space,
            ``(L, C)`` float32 each (:meth:`SequenceSet.encoded`).
        window_size: window length W.
        sampling: ``"uniform"`` or ``"original"``.
        epoch_is_frame_count: only for ``"original"``: the epoch length is the
            total frame count (aist, h36m, jhmdb) rather than the number of
            window starts (pw3d).
        augmentation: per-window speed, scale and noise changes applied by
            :meth:`batch` when it is given a generator (None: none).

    Items are ``{"pred": (W, C), "gt": (W, C)}`` float32 tensors;
    :meth:`batch` gathers many at once.
    """

    def __init__(
        self,
        sequences: list[tuple[np.ndarray, np.ndarray]],
        window_size: int,
        sampling: str = "uniform",
        epoch_is_frame_count: bool = True,
        augmentation: Augmentation | None = None,
    ) -> None:
        if sampling not in SAMPLING_MODES:
            raise ValueError(
                f"TRAIN.SAMPLING must be one of {', '.join(SAMPLING_MODES)}, got {sampling!r}"
            )
        self.window_size = window_size
        pad = "edge" if sampling == "uniform" else "zero"
        detected, groundtruth, offsets = [], [], []
        row = 0
        for det, gt in sequences:
            detected.append(pad_sequence(det, window_size, pad))
            groundtruth.append(pad_sequence(gt, window_size, pad))
            offsets.append(row)
            row += len(detected[-1])
        self.detected = torch.from_numpy(np.concatenate(detected))
        self.groundtruth = torch.from_numpy(np.concatenate(groundtruth))
        lengths = [len(d) for d in detected]
        if sampling == "uniform":
            firsts = [o + np.arange(n - window_size + 1) for o, n in zip(offsets, lengths)]
            self.first_rows = np.concatenate(firsts).astype(np.int64)
        else:
            true_lengths = [len(det) for det, _ in sequences]
            self.first_rows = _original_first_rows(
                true_lengths, offsets, window_size, epoch_is_frame_count
            )
        self._steps = torch.arange(window_size)
        self.augmentation = augmentation
        starts = np.asarray(offsets, dtype=np.int64)
        ends = starts + np.asarray(lengths, dtype=np.int64) - 1
        sequence = np.searchsorted(starts, self.first_rows, side="right") - 1
        self._sequence_bounds = (starts, ends, sequence)

    def __len__(self) -> int:
        return len(self.first_rows)

    def batch(
        self, indices: np.ndarray, rng: np.random.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(pred, gt)``, each ``(B, W, C)``, for window indices ``(B,)``.

        With a generator ``rng`` and an active :attr:`augmentation`, the
        windows are augmented (:func:`smoothnet.dataset.augment.augment_batch`).
        """
        first = self.first_rows[np.asarray(indices)]
        if rng is not None and self.augmentation is not None and self.augmentation.active:
            starts, ends, sequence = self._sequence_bounds
            which = sequence[np.asarray(indices)]
            return augment_batch(
                self.detected,
                self.groundtruth,
                first,
                starts[which],
                ends[which],
                self.window_size,
                self.augmentation,
                rng,
            )
        rows = torch.from_numpy(first)[:, None] + self._steps
        return self.detected[rows], self.groundtruth[rows]

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        pred, gt = self.batch(np.array([index]))
        return {"pred": pred[0], "gt": gt[0]}


def _original_first_rows(
    lengths: list[int], offsets: list[int], window: int, epoch_is_frame_count: bool
) -> np.ndarray:
    """First row of every item of the original's training index."""
    surplus = [max(n - window, 0) for n in lengths]
    starts = np.concatenate([[0], np.cumsum(surplus)[:-1]]).tolist()
    size = sum(lengths) if epoch_is_frame_count else sum(surplus)
    rows = np.empty(size, dtype=np.int64)
    for i in range(size):
        s = bisect.bisect_right(starts, i) - 1
        if lengths[s] >= window:
            rows[i] = offsets[s] + (i - starts[s]) % (lengths[s] - window + 1)
        else:
            rows[i] = offsets[s]
    return rows


def epoch_indices(
    num_items: int,
    epoch: int,
    seed: int,
    per_epoch: int = 0,
    rank: int = 0,
    world_size: int = 1,
) -> np.ndarray:
    """This process's window indices for one epoch.

    A permutation seeded by ``(seed, epoch)``, the same on every process, cut
    to ``per_epoch`` windows when positive, trimmed to a multiple of
    ``world_size`` (so every process takes the same number of steps) and
    split between processes without overlap.
    """
    rng = np.random.default_rng([max(seed, 0), epoch])
    order = rng.permutation(num_items)
    if per_epoch > 0:
        order = order[:per_epoch]
    usable = len(order) - len(order) % world_size
    return order[:usable][rank::world_size]


def hold_out(train_set: SequenceSet, prefixes: list[str]) -> SequenceSet:
    """Move the sequences whose names start with any of ``prefixes`` out of a training set.

    Args:
        train_set: a training split; its ``sequences`` lose the held-out ones.
        prefixes: sequence-name prefixes, e.g. ``["S8_"]`` for one subject.

    Returns:
        A copy of ``train_set`` holding only the held-out sequences (for
        validation).

    Raises:
        ValueError: when no sequence, or every sequence, matches.
    """

    def selected(seq: PoseSequence) -> bool:
        return bare_name(seq.name).startswith(tuple(prefixes))

    keep = [s for s in train_set.sequences if not selected(s)]
    held = [s for s in train_set.sequences if selected(s)]
    if not held or not keep:
        raise ValueError(
            f"TRAIN.VALIDATE_HOLDOUT {','.join(prefixes)}: {len(held)} of "
            f"{len(train_set.sequences)} {train_set.label} training sequences match; "
            "it must select some but not all"
        )
    validation = copy.copy(train_set)
    validation.sequences = held
    train_set.sequences = keep
    return validation
