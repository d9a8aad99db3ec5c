"""Writes of the quiz app, one module per area: `bank` (the question bank),
`grading`/`attempts` (taking a quiz), `regrade`, `notebook`. Import from the
module; the bank's names are re-exported here for older callers."""

from quizzes.services.bank import *  # noqa: F403
from quizzes.services.bank import __all__  # noqa: F401
