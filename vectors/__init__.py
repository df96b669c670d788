"""sealmail test vectors: data under ``vectors/data/<provider>/``, generator, verifier, replayer.

Open a provider's files with :func:`sealmail.vectors.schema.load_provider`; regenerate
with ``python -m sealmail vectors generate``; check them with an independent
implementation with ``python -m sealmail vectors verify``; send them to a server with
``python -m sealmail vectors replay``.
"""
