"""``python -m sealmail``: the same as the ``sealmail`` command."""

from .cli import main

raise SystemExit(main())
