"""``python -m cli``: the ``registry`` command line."""

import sys

from cli.main import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog_name="registry"))
