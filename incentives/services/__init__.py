"""Writes of the incentives app, one module per area: `complaints`, `rules`,
`ledger`, `evaluation`. Import from the module; the complaint names are
re-exported here for older callers."""

from incentives.services.complaints import *  # noqa: F403
from incentives.services.complaints import __all__, _save  # noqa: F401
