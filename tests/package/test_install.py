"""The project installs as the package ``smoothnet`` and works from anywhere.

Builds and installs the checkout (not editable) into a fresh virtual
environment, whose dependencies come from this environment's site-packages
(a ``.pth`` entry, so nothing is downloaded), then, from an unrelated folder
that has a ``lib/`` of its own (as VIBE, TCMR or the original SmoothNet
checkouts do), smooths an array with a shipped checkpoint through the public
API and through the ``smoothnet-smooth`` command.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "project_dependencies.pth").write_text(ours + "\n")
    # Build from a copy of what the package is made of: an in-tree build writes build/.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "lib", source / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "checkpoints", source / "data" / "checkpoints")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-build-isolation",
         "--disable-pip-version-check", "--no-compile", str(source)],
        capture_output=True, text=True, cwd=tmp_path_factory.mktemp("build"),
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    return env


def run(env: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=clean)


def test_an_installed_package_smooths_with_a_shipped_checkpoint(installed, tmp_path):
    (tmp_path / "lib").mkdir()  # someone else's lib/ must not shadow anything
    (tmp_path / "lib" / "__init__.py").write_text("raise ImportError('the wrong lib')\n")
    poses = np.random.default_rng(0).normal(scale=0.3, size=(60, 17, 3))
    np.save(tmp_path / "poses.npy", poses)
    code = (
        "import numpy as np, smoothnet\n"
        "from smoothnet import Smoother\n"
        "assert 'site-packages' in smoothnet.__file__, smoothnet.__file__\n"
        "x = np.load('poses.npy')\n"
        "y = Smoother('h36m_fcn_3D_w32').smooth(x)\n"
        "assert y.shape == x.shape and np.isfinite(y).all()\n"
        "print(float(np.abs(np.diff(y, 2, axis=0)).mean() / np.abs(np.diff(x, 2, axis=0)).mean()))\n"
    )
    done = run(installed, [str(installed / "bin" / "python"), "-c", code], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) < 0.5  # white noise in, much less jitter out
    done = run(installed, [str(installed / "bin" / "smoothnet-smooth"), "poses.npy", "out.npy"],
               tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.load(tmp_path / "out.npy").shape == poses.shape


def test_the_package_data_holds_every_shipped_checkpoint(installed):
    from smoothnet.models.shipped import SHIPPED_CHECKPOINTS

    data = next(installed.glob("lib/python*/site-packages/smoothnet/checkpoints"))
    for name, path in SHIPPED_CHECKPOINTS.items():
        packaged = data / path.relative_to(path.parents[1])
        assert packaged.is_file(), name


def test_the_package_data_holds_the_default_families(installed):
    from smoothnet.models.shipped import DEFAULT_CHECKPOINTS, SHIPPED_FAMILIES

    data = next(installed.glob("lib/python*/site-packages/smoothnet/checkpoints"))
    assert set(DEFAULT_CHECKPOINTS.values()) <= set(SHIPPED_FAMILIES)
    for name, path in SHIPPED_FAMILIES.items():
        assert (data / path.name).is_file(), name
