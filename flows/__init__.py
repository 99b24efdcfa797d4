"""flows: the Prefect flows (thin; the stages live in pipeline/).

Importing any flow installs the log filter that keeps a refused run's log to one line
per record (flows/refusals.py); a worker imports the flow before running it.
"""

from flows.refusals import install as _install_refusal_filter

_install_refusal_filter()
