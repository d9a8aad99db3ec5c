"""Signals of the quiz engine, for apps above quizzes (incentives) to react to
results without quizzes importing them (DESIGN.md: quizzes <- incentives).

Both are sent only after the transaction that wrote the results has committed
(`transaction.on_commit`), so a receiver always reads committed rows, and never
hears of a result that was rolled back. Receivers must be idempotent: read the
attempt's current state (or `quizzes.selectors.attempt_outcomes`) rather than
trust that each signal arrives exactly once.

`attempt_submitted`
    sender=Attempt, attempt=<quizzes.models.Attempt>

    Sent once per attempt, when it ends and is graded: submitted by the
    learner (status "submitted") or closed by the server at its deadline with
    the answers saved in time (status "closed"). A second submit, a stale tab
    or a late autosave changes nothing and sends nothing. The attempt carries
    its final fields: number, submitted_at, score, max_score, percent, passed.

`attempts_regraded`
    sender=Attempt,
    changes=[(attempt_id, old_passed, new_passed, old_percent, new_percent), …],
    regrade_id=<uuid.UUID>

    Sent once per applied regrade (a trainer corrected a question's answer key
    and confirmed the regrade of the submitted attempts that showed it).
    `changes` has one tuple per attempt whose percent or passed changed
    (percentages are Decimal with two places); attempts whose score did not
    move are recorded (RegradeRecord) but not listed. `regrade_id` is shared by
    the RegradeRecord rows of that regrade, so a receiver can key its own
    records (e.g. ledger reversal and replacement entries) on
    (regrade_id, attempt_id) and stay idempotent. Never sent with an empty list.
"""

from django.dispatch import Signal

attempt_submitted = Signal()
attempts_regraded = Signal()
