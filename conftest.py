"""Repository-level pytest configuration.

The sealmail plugin is registered through the ``pytest11`` entry point once the
project is installed (``make test`` does that); this file only makes sure the
checkout itself is importable when pytest runs from a bare clone.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
