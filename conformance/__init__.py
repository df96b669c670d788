"""sealmail conformance: the pytest plugin, reference clients, and the requirement-by-requirement suite."""
