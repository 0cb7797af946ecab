"""``python -m circuitviz``: the same command line as the ``circuitviz`` script."""

from .cli import main

raise SystemExit(main())
