"""Benchmarks of opentact-callflow against its peers: ``python -m bench [--quick] [--json F]``."""
