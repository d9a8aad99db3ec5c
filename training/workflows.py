"""What happens when a moderation workflow is approved (settings:
WAGTAIL_FINISH_WORKFLOW_ACTION).

Trainers edit and submit but hold no publish permission, so that nobody can
skip review with the Publish button. The approval is the authority to publish:
the approver already passed the task's own check (a member of the reviewing
group, and not the submitter), so the approved revision is published without
asking whether the approver could also have published it directly.
"""


def publish_approved(workflow_state, user=None):
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
