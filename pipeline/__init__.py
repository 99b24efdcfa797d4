"""The pipeline: the stages of one statement and the tracking loop over the sources.

Flows (``flows/``) and the command line (``clausewatch/``) both call these functions, so
``import``, ``run``, ``backfill`` and the demo share one code path. The pipeline stands on
``scrapers``, ``clauses``, ``models``, ``alerts`` and ``core``; it never imports the edges.
"""
