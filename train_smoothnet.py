"""Train SmoothNet on datasets of the original npz layout.

The original's command line, kept; the code is :mod:`smoothnet.commands.train`, also
installed as ``smoothnet-train``. ``--help`` lists the flags.
"""

from smoothnet.commands.train import main

if __name__ == "__main__":
    raise SystemExit(main())
