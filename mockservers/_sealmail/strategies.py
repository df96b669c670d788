"""``sealmail.strategies``: Hypothesis strategies for valid payloads of every provider.

Needs Hypothesis (``pip install "sealmail[pytest]"``). See :mod:`sealmail.conformance.strategies`.
"""

from sealmail.conformance.strategies import *  # noqa: F401,F403
from sealmail.conformance.strategies import __all__ as __all__  # noqa: F401
