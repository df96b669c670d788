"""sealmail benchmarks and hardening harness (issue 8).

``python -m bench`` (``make bench``) measures each figure as a ratio against a
baseline measured in the same run, interleaved A/B/A/B, and writes
``bench/results.json``. ``bench.hardening`` holds the fuzz and soak harness
that ``make fuzz``, ``make soak`` and ``tests/hardening`` run.

A provider joins by adding one :class:`bench.profiles.Profile` entry (how to
build valid requests for its main endpoint with its reference client); the
fuzz harness needs no entry at all (routes come from the provider's app
router, seeds from its vectors).
"""
