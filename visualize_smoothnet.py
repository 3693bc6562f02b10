"""Render a test sequence: estimator, estimator + SmoothNet, ground truth, as MP4 and PNG.

The original's command line, kept; the code is :mod:`smoothnet.commands.visualize`, also
installed as ``smoothnet-visualize``. ``--help`` lists the flags.
"""

from smoothnet.commands.visualize import main

if __name__ == "__main__":
    raise SystemExit(main())
