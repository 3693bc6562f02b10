"""Smooth the keypoints of any estimator, written back in the format they came in.

The original's command line, kept; the code is :mod:`smoothnet.commands.smooth`, also
installed as ``smoothnet-smooth``. ``--help`` lists the flags.
"""

from smoothnet.commands.smooth import main

if __name__ == "__main__":
    raise SystemExit(main())
