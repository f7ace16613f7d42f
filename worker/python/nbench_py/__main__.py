"""`python -m nbench_py serve MODULE [list]`: run a module of SDK probes as an nbench worker."""

import sys

from .serve import USAGE, main

if __name__ == "__main__":
    if sys.argv[1:2] != ["serve"]:
        print(f"nbench_py: unknown command {sys.argv[1:2]}\n{USAGE}", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:]))
