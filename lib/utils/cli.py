"""Command-line parsing that reports a bad argument in one line."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class OneLineArgumentParser(argparse.ArgumentParser):
    """``argparse`` whose errors are one line (``prog: error: ...``), without the usage block.

    ``--help`` still prints the full usage.
    """

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        sys.exit(2)
