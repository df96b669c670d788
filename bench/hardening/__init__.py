"""Hardening harness: generic fuzzing and soak of every registered provider mock.

- :mod:`.endpoints` finds each provider's routes in its aiohttp app router.
- :mod:`.seeds` collects requests to mutate: valid ones from :mod:`bench.profiles`
  (reference clients) and every request in the provider's vectors.
- :mod:`.strategies` is the one Hypothesis strategy module (random and mutated
  methods, paths, headers, bodies, encodings, sizes).
- :mod:`.shapes` derives each provider's error shape from its own ``render_error``.
- :mod:`.fuzz` sends the generated requests to an in-process mock and judges each answer.
- :mod:`.soak` runs concurrent clients with faults against every mock at once.

Nothing here names a provider: a new provider package is fuzzed and soaked as
soon as the registry finds it.
"""
