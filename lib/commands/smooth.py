"""Smooth the keypoints of any estimator, written back in the format they came in.

Examples::

    python scripts/smooth_poses.py poses.npy smoothed.npy --method CHECKPOINT
    python scripts/smooth_poses.py results.json smoothed.json --method CHECKPOINT \\
        --image_size 1920 1080 --fps 30 --plot jitter.png
    python scripts/smooth_poses.py poses.npz out.npz --method savgol --key keypoints
    python scripts/smooth_poses.py results.json -o smoothed.json --video clip.mp4 \
        --render compare.mp4 --still compare.png

Formats: ``.npy`` / ``.npz`` arrays ``(T, K, C)`` or ``(T, P, K, C)``, the
original SmoothNet npz layout, COCO-style results and MMPose-style
predictions with track ids (see ``lib/utils/formats.py``). ``--method`` is a
SmoothNet checkpoint (ours or the original's) or a filter name. Prints the
jitter (mean acceleration magnitude, units per frame²) before and after and
the mean displacement; ``--plot`` draws the jitter per frame. With ``--video`` (the clip
the 2D keypoints were estimated on, in its pixels), ``--render`` draws the input and
smoothed skeletons over its frames and ``--still`` writes a PNG summary; the clip's frame
rate is used for smoothing when neither ``--fps`` nor the file gives one.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library before the arguments are parsed: --help answers at once,
# torch and scipy load after.
from ..utils.cli import OneLineArgumentParser
from ..utils.io import file_problem

if TYPE_CHECKING:
    from ..dataset.specs import JointLayout
    from ..visualize.video import VideoInfo

#: Input formats, as in lib/utils/formats.py (checked equal in the tests).
FORMATS = ("npy", "npz", "smoothnet", "coco", "mmpose")
#: Output extension each format is written with.
EXTENSIONS = {"npy": ".npy", "npz": ".npz", "smoothnet": ".npz", "coco": ".json", "mmpose": ".json"}
#: Frame rates accepted by --fps, as smoothnet.core.smoother.FPS_RANGE (checked equal in the tests).
FPS_RANGE = (1.0, 1000.0)
#: --image_size sides, as smoothnet.core.space.IMAGE_SIZE_RANGE (checked equal in the tests).
IMAGE_SIZE_RANGE = (1.0, 1e6)
#: Frames (all tracks) from which ``--backend auto`` runs the model with torch: loading
#: torch takes about 1.5 s, which its faster kernels repay only on long input
#: (docs/benchmarks.md, "Cold start").
AUTO_TORCH_FRAMES = 20000


def build_parser() -> OneLineArgumentParser:
    """The command's arguments."""
    parser = OneLineArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="keypoint file to smooth")
    parser.add_argument("output", nargs="?", help="where to write the smoothed file (same format)")
    parser.add_argument(
        "-o", "--output", dest="output_flag", metavar="OUTPUT", help="the same as OUTPUT"
    )
    parser.add_argument(
        "--method",
        default="auto",
        help="SmoothNet checkpoint path, shipped checkpoint name, filter name, or auto "
        "(default: the shipped Human3.6M checkpoint for 2D or 3D keypoints)",
    )
    parser.add_argument("--format", choices=FORMATS, help="input format (default: guessed)")
    parser.add_argument("--key", default="keypoints", help="array key of an .npz file")
    parser.add_argument(
        "--image_size", type=float, nargs=2, metavar=("W", "H"), help="2D image size"
    )
    parser.add_argument("--fps", type=float, help="frame rate of the input")
    parser.add_argument(
        "--min_confidence", type=float, default=0.0, help="lower scores are missing"
    )
    parser.add_argument(
        "--strength", default="auto",
        help="auto (default: per joint, as much of the model's correction as the noise "
        "explains) or a share in [0, 1] (1: the model as it is)",
    )  # fmt: skip
    parser.add_argument("--device", help="cpu or cuda (default: cuda if available)")
    parser.add_argument(
        "--backend", choices=("auto", "numpy", "torch"), default="auto",
        help="what runs the model: numpy (no torch needed; CPU), torch, or auto (default: "
        f"numpy below {AUTO_TORCH_FRAMES:,} frames in all, where torch's start-up costs more "
        "than its faster kernels save, or when torch is missing or cannot run the model)",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=int, help="CPU threads (default: every core this process may use)"
    )
    parser.add_argument("--plot", help="PNG of the jitter before and after")
    parser.add_argument(
        "--video", help="the clip the 2D keypoints come from (for --render/--still)"
    )
    parser.add_argument("--render", help="MP4 of the input and smoothed skeletons over the clip")
    parser.add_argument(
        "--render_mode", choices=("side", "overlay"), default="side",
        help="side by side (default) or both skeletons on one frame",
    )  # fmt: skip
    parser.add_argument(
        "--still", help="PNG: the frames smoothing moved most and one joint's trajectory"
    )
    parser.add_argument(
        "--skeleton", help="bones to draw (coco17, blazepose33, h36m17, ...; default by joints)"
    )
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The checked arguments: every problem is a one-line ``parser.error``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.strength != "auto":
        given = args.strength
        try:
            args.strength = float(given)
        except ValueError:
            args.strength = -1.0
        if not 0.0 <= args.strength <= 1.0:
            parser.error(f"--strength must be auto or a number in [0, 1], got {given}")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    if args.backend == "numpy" and args.device not in (None, "cpu"):
        parser.error(f"--backend numpy runs on the CPU only, not --device {args.device}")
    if args.output and args.output_flag and args.output != args.output_flag:
        parser.error("give the output once: as OUTPUT or as -o/--output")
    args.output = args.output or args.output_flag
    if not args.output:
        parser.error("the output path is required (OUTPUT or -o/--output)")
    if args.fps is not None and not FPS_RANGE[0] <= args.fps <= FPS_RANGE[1]:
        parser.error(
            f"--fps must be between {FPS_RANGE[0]:g} and {FPS_RANGE[1]:g}, got {args.fps:g}"
        )
    low, high = IMAGE_SIZE_RANGE
    if args.image_size is not None and not all(low <= v <= high for v in args.image_size):
        parser.error(f"--image_size must be two numbers between {low:g} and {high:g} pixels, "
                     f"got {args.image_size}")  # fmt: skip
    check_paths(parser, args)
    return args


def check_paths(parser: OneLineArgumentParser, args: argparse.Namespace) -> None:
    """Refuse outputs that cannot be written, exist (videos, stills) or would overwrite
    an input or one another."""
    if (args.render or args.still) and not args.video:
        parser.error("--render and --still draw over a clip: give it with --video")
    written = [("output", args.output), ("--plot", args.plot)]
    written += [("--render", args.render), ("--still", args.still)]
    for flag, path in written:
        problem = file_problem(path) if path else None
        if problem:
            parser.error(f"{flag} {path}: {problem}")
    for flag, path in written[2:]:
        if path and Path(path).exists():
            parser.error(f"{flag} {path} exists; remove it or choose another name")
    inputs = {
        Path(p).resolve(): f for f, p in (("input", args.input), ("--video", args.video)) if p
    }
    seen: dict[Path, str] = {}
    for flag, path in written:
        if not path:
            continue
        where = Path(path).resolve()
        if where in inputs and flag != "output":
            parser.error(f"{flag} {path} is the {inputs[where]} file; it would be overwritten")
        if where in seen:
            parser.error(f"{seen[where]} and {flag} are the same file")
        seen[where] = flag


def plot_jitter(path: str, pairs: list, units: str) -> None:
    """PNG of the mean jitter per frame of the ``(input, smoothed)`` track pairs."""
    import matplotlib
    import numpy as np

    from ..utils.io import atomic_path
    from ..utils.metrics import pooled_mean
    from ..visualize.render import jitter

    before = [jitter(t) for t, _ in pairs]
    after = [jitter(o) for _, o in pairs]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def mean_curve(curves: list) -> np.ndarray:
        """Per-frame mean over tracks of different lengths (NaN where none has a value)."""
        table = np.full((len(curves), max(map(len, curves))), np.nan)
        for i, curve in enumerate(curves):
            table[i, : len(curve)] = curve
        counts = np.isfinite(table).sum(axis=0)
        sums = np.nansum(table, axis=0)
        return np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)

    fig, ax = plt.subplots(figsize=(10, 3.5))
    b, a = mean_curve(before), mean_curve(after)
    ax.plot(b, color="#8c8c8c", lw=1, label=f"input (mean {pooled_mean(before):.3g})")
    ax.plot(a, color="#d62728", lw=1.3, label=f"smoothed (mean {pooled_mean(after):.3g})")
    ax.set_xlabel("frame")
    ax.set_ylabel(f"jitter ({units}/frame²)")
    ax.set_title("mean joint acceleration magnitude, averaged over tracks")
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def method_note(smoother: Any, method: str, reports: list) -> str:
    """What follows the smoother's name: the checkpoint, or for a family the member each
    track got."""
    if smoother.family is not None:
        members = [r.member for _, _, r in reports]
        counts = ", ".join(f"{members.count(m)} {m}" for m in ("paced", "free"))
        return f" (tracks: {counts})"
    return f" ({method})" if smoother.model is not None else ""


def measured_summary(reports: list, units: str, model: bool) -> str:
    """What the command can measure without ground truth, worded as such: how far the
    points moved, the jitter before and after, the estimated noise and, for a model,
    how much of its correction was kept."""
    import numpy as np

    from ..utils.metrics import pooled_mean
    from ..visualize.render import jitter

    moved = np.concatenate([np.linalg.norm(o - t, axis=-1).ravel() for t, o, _ in reports])
    moved = moved[np.isfinite(moved)]
    before = pooled_mean([jitter(t) for t, _, _ in reports])
    after = pooled_mean([jitter(o) for _, o, _ in reports])
    noise = np.concatenate([r.noise for _, _, r in reports])
    lines = [
        "measured without ground truth (not an error):",
        f"  points moved {moved.mean():.4g} {units} on average "
        f"(95th percentile {np.percentile(moved, 95):.4g})"
        if moved.size
        else "  no points",
        f"  jitter (mean acceleration) {before:.4g} -> {after:.4g} {units}/frame²",
    ]
    if np.isfinite(noise).any():
        lines.append(f"  estimated input noise {np.nanmedian(noise):.4g} {units} per coordinate "
                     "(median over joints)")  # fmt: skip
    if model:
        strength = np.concatenate([r.strength for _, _, r in reports])
        widths = np.concatenate([np.zeros(len(r.strength)) if r.gaussian is None
                                 else r.gaussian for _, _, r in reports])  # fmt: skip
        lines.append(f"  kept {100 * strength.mean():.0f} % of the model's correction "
                     "(per joint, as much as the estimated noise explains)")  # fmt: skip
        if (widths > 0).any():
            lines.append(f"  {int((widths > 0).sum())} of {len(widths)} joints mixed with a "
                         "share of a Gaussian (lower estimated risk)")  # fmt: skip
        white = sum(bool(r.noise_reads_white) for _, _, r in reports)
        if white:
            lines.append(f"  {white} of {len(reports)} tracks' noise read as white: Gaussians "
                         "lighter than the model were candidates too")  # fmt: skip
    return "\n".join(lines)


@dataclass(frozen=True)
class Clip:
    """The user's video for ``--render``/``--still``: its info and the skeleton to draw."""

    info: VideoInfo
    layout: JointLayout | None


def read_clip(args: argparse.Namespace, data: Any) -> Clip | None:
    """Read and check ``--video`` against the keypoints before anything is smoothed.

    Raises:
        ValueError: one line (unreadable video, 3D keypoints, frame count or size mismatch).
    """
    if not args.video:
        return None
    from ..visualize.overlay import TrackPair, check_match, skeleton
    from ..visualize.video import read_video_info

    tracks = list(data.tracks.values())
    if tracks[0].shape[-1] != 2:
        raise ValueError(f"--video: drawing over a clip needs 2D keypoints in its pixels, "
                         f"{args.input} has {tracks[0].shape[-1]} values per joint")  # fmt: skip
    info = read_video_info(args.video)
    if args.image_size and tuple(round(v) for v in args.image_size) != info.size:
        raise ValueError(
            f"--image_size {args.image_size[0]:g}x{args.image_size[1]:g} is not the size of "
            f"--video {args.video} ({info.size[0]}x{info.size[1]})"
        )
    check_match(info, [TrackPair("", t, t) for t in tracks], args.video)
    try:
        layout = skeleton(tracks[0].shape[1], args.skeleton)
    except ValueError as err:
        raise ValueError(f"--skeleton: {err}") from None
    return Clip(info, layout)


def draw_clip(args: argparse.Namespace, clip: Clip, before: dict, after: dict) -> None:
    """Write ``--render`` and ``--still`` for the smoothed tracks."""
    from ..visualize.overlay import TrackPair, render_comparison, write_still
    from ..visualize.video import VideoError

    pairs = [TrackPair(str(k), before[k], after[k]) for k in before]
    try:
        if args.render:
            done = render_comparison(args.video, pairs, args.render, mode=args.render_mode,
                                     layout=clip.layout, info=clip.info)  # fmt: skip
            print(f"wrote {done.path}: {done.frames} frames, {done.size[0]}x{done.size[1]} "
                  f"at {done.fps:g} fps ({args.render_mode})")  # fmt: skip
        if args.still:
            frames = write_still(args.video, pairs, args.still, layout=clip.layout, info=clip.info)
            print(f"wrote {args.still}: frames {', '.join(map(str, frames))}")
    except (VideoError, OSError) as err:
        raise SystemExit(f"error: {err}") from None


def choose_backend(args: argparse.Namespace, frames: int) -> str:
    """``--backend``, with ``auto`` resolved (see the flag's help)."""
    if args.backend != "auto":
        return args.backend
    from ..core.methods import torch_available

    if args.device not in (None, "cpu"):
        return "auto"
    return "torch" if frames >= AUTO_TORCH_FRAMES and torch_available() else "numpy_first"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from ..core.smoother import Smoother, method_error
    from ..models.shipped import default_method
    from ..models.usage_info import CheckpointError
    from ..utils.formats import FormatError, read_keypoints, write_keypoints

    try:
        data = read_keypoints(args.input, args.format, args.key)
        wanted = EXTENSIONS[data.format]
        if Path(args.output).suffix.lower() != wanted:
            raise FormatError(
                f"output {args.output}: a {data.format} file is written as {wanted}; "
                f"name the output *{wanted}"
            )
        method = args.method
        if method == "auto":
            method = default_method(next(iter(data.tracks.values())).shape[-1])
        problem = method_error(method)
        if problem:
            raise ValueError(f"--method {problem}")
        clip = read_clip(args, data)
        fps = args.fps if args.fps is not None else data.fps
        if fps is None and clip is not None:
            fps = clip.info.fps
        smoother = Smoother(
            method,
            device=args.device,
            backend=choose_backend(args, sum(len(t) for t in data.tracks.values())),
            threads=args.threads,
            min_confidence=args.min_confidence,
            fps=fps,
            progress=True,
            **({} if args.strength == "auto" else {"strength": args.strength}),
        )
        if smoother.online_only:
            raise ValueError(f"--method {method}: {smoother.online_only}")
    except (FormatError, CheckpointError, ValueError) as err:
        raise SystemExit(f"error: {err}") from None
    size = tuple(args.image_size) if args.image_size else None
    smoothed, reports = {}, []
    for track_id, track in data.tracks.items():
        try:
            out = smoother.smooth(track, confidence=data.confidence.get(track_id), image_size=size)
        except ValueError as err:
            raise SystemExit(f"error: {args.input}: track {track_id}: {err}") from None
        smoothed[track_id] = out
        reports.append((track, out, smoother.last_report[0]))
    try:
        write_keypoints(args.output, data, smoothed)
    except OSError as err:
        raise SystemExit(f"error: cannot write {args.output}: {err.strerror or err}") from None
    first = next(iter(data.tracks.values()))
    units = "px" if first.shape[-1] == 2 else "units"
    rate = f" at {fps:g} fps" if fps else ""
    print(
        f"{args.input} ({data.format}): {len(data.tracks)} track(s), {len(first)} frames{rate}, "
        f"smoothed with {smoother.name}{method_note(smoother, method, reports)}; "
        f"wrote {args.output}"
    )
    print(measured_summary(reports, units, smoother.filter_name is None))
    if args.plot:
        plot_jitter(args.plot, [(t, o) for t, o, _ in reports], units)
        print(f"wrote {args.plot}")
    if clip is not None:
        draw_clip(args, clip, data.tracks, smoothed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
