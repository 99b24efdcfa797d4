"""Real servers on loopback for tests and benchmarks (PostgreSQL, Prefect, free ports), and
the helpers that more than one test module uses (databases, sample statements and histories,
fingerprints of a history). Test modules import from here, never from one another.

The product never imports this package; the SMTP sink lives with the demo, which uses it.
"""

from __future__ import annotations

from clausewatch.demo.mailsink import free_port

__all__ = ["free_port"]
