"""``python -m sseconv``: the command line (see :mod:`sseconv._cli`)."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
