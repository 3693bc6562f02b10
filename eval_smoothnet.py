"""Evaluate a SmoothNet checkpoint (ours or an original release) against classical filters.

The original's command line, kept; the code is :mod:`smoothnet.commands.evaluate`, also
installed as ``smoothnet-eval``. ``--help`` lists the flags.
"""

from smoothnet.commands.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
