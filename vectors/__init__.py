"""sealmail test vectors: data under ``vectors/data/<provider>/``, generator, verifier, replayer.

Open a provider's files with :func:`vectors.schema.load_provider`; regenerate
with ``python -m vectors generate``; check them with an independent
implementation with ``python -m vectors verify``; send them to a server with
``python -m vectors replay``.
"""
