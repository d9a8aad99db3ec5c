"""Who gets what from every URL: the data of tests/core/test_url_matrix.py.

One line per URL name (namespace:name), wildcard (`staff:*`) or case
(`name[case]`, see CASES); the most specific line wins. Six outcomes, in the
order of ROLES:
    a status code   200, 403, 404, 405, 500 …
    L               redirect to the login page
    A               Wagtail's "permission denied": redirect to the admin home
    R               any other redirect (a form or action done, or a next step)
POST lists what a POST with no data gives, for every view not in POST_READS.
"""

ROLES = ("anonymous", "learner", "manager", "trainer", "hr", "admin")

# How to fill URL arguments: a dotted path into the test's world (fixtures), an
# int, or a literal string starting with "=". The most specific key wins.
KWARGS: dict[str, dict] = {
    "*": {
        "pk": "lesson.pk",
        "page_id": "lesson.pk",
        "parent_page_id": "course.pk",
        "page_to_move_id": "lesson.pk",
        "destination_id": "other_course.pk",
        "revision_id": "lesson.latest_revision_id",
        "revision_id_a": "=earliest",
        "revision_id_b": "=latest",
        "content_type_app_name": "=training",
        "content_type_model_name": "=lessonpage",
        "app_label": "=training",
        "model_name": "=lessonpage",
        "app_name": "=quizzes",
        "image_id": "image.pk",
        "document_id": "document.pk",
        "doc_id": "document.pk",
        "uploaded_file_id": "uploaded_file.pk",
        "collection_id": "collection.pk",
        "filter_spec": "=fill-80x60",
        "session_id": "editing_session.pk",
        "object_id": "lesson.pk",
        "task_id": "task.pk",
        "task_state_id": "task_state.pk",
        "workflow_state_id": "workflow_state.pk",
        "action_name": "=approve",
        "kind": "=staff",
        "fmt": "=csv",
        "uidb64": "=MQ",
        "token": "=set-password",
        "employee_no": "learner.employee_no",
        "restriction_id": "collection_restriction.pk",
        "page_view_restriction_id": "page_restriction.pk",
    },
    "wagtailadmin_api:documents:*": {"pk": "document.pk"},
    "wagtailadmin_api:images:*": {"pk": "image.pk"},
    "wagtailadmin_pages:workflow_*": {"page_id": "reviewed.pk"},
    "wagtailadmin_pages:collect_workflow_action_data": {"page_id": "reviewed.pk"},
    "wagtailadmin_pages:confirm_workflow_cancellation": {"page_id": "reviewed.pk"},
    "wagtailadmin_pages:revisions_compare": {"pk": "lesson.pk"},
    "wagtailadmin_tag_model_autocomplete": {"model_name": "=question"},
    "wagtailadmin_editing_sessions:*": {
        "app_label": "=wagtailcore",
        "model_name": "=page",
    },
    "wagtailadmin_collections:*": {"pk": "collection.pk"},
    "wagtailadmin_workflows:*": {
        "pk": "workflow.pk",
        "page_pk": "root.pk",
        "workflow_pk": "workflow.pk",
        "app_label": "=training",
        "model_name": "=trainerreviewtask",
    },
    "wagtailadmin_workflows:*_task": {"pk": "task.pk"},
    "core_imports:*": {"pk": "job.pk"},
    "wagtailsettings:*": {"app_name": "=core", "model_name": "=job", "pk": 1},
    "wagtailsnippets_quizzes_question:*": {
        "pk": "question.pk",
        "revision_id": "question.latest_revision_id",
    },
    "wagtailsnippetchoosers_quizzes_question:*": {"pk": "question.pk"},
    "wagtailsnippets_quizzes_questioncategory:*": {"pk": "category.pk"},
    "wagtailsnippetchoosers_quizzes_questioncategory:*": {"pk": "category.pk"},
    "audit_log:*": {"pk": "audit_event.pk"},
    "staff:*": {"pk": "learner.pk"},
    "departments:*": {"pk": "bank.o1.pk"},
    "assignments:*": {"pk": "assignment.pk"},
    "complaints:*": {"pk": "complaint.pk"},
    "wagtailsites:*": {"pk": "site.pk"},
    "wagtailusers_users:*": {"pk": "learner.user.pk"},
    "wagtailusers_groups:*": {"pk": "group.pk"},
    "wagtaildocs_chooser:*": {"pk": "document.pk"},
    "wagtailimages_chooser:*": {"pk": "image.pk"},
    "wagtaildocs_serve": {"args": ["document.pk", "document.filename"]},
    "wagtailcore_authenticate_with_password": {"page_id": "restricted.pk"},
    "admin/^.*/$": {"path": "=/admin/no-such-page/"},
    "core_exports:*": {"pk": "export_job.pk"},
    "quiz_reports:*": {"pk": "quiz.pk", "table": "=questions"},
    "quiz_reports:regrade": {"pk": "question.pk"},
    "quiz_attempts:*": {"pk": "attempt.pk"},
    "ledger:*": {"pk": "ledger_entry.pk"},
    "quizzes:*": {"uuid": "attempt.uuid", "quiz_id": "quiz.pk"},
    "quizzes:notebook_*": {"pk": "notebook_entry.pk"},
    "incentives:*": {"pk": "ledger_entry.pk"},
    "incentive_rules:*": {"pk": "incentive_rule.pk"},
    "incentive_evaluation:job": {"job_id": "evaluation_job.pk"},
}

# URLs requested more than once, with different objects. Keys are bases; each
# case is a spec like those of KWARGS (merged over them).
_PAGE_TYPES = {
    "home": {"page_id": "home.pk", "page_to_move_id": "home.pk", "pk": "home.pk"},
    "course": {
        "page_id": "course.pk",
        "page_to_move_id": "course.pk",
        "pk": "course.pk",
    },
    "lesson": {},
    "quiz": {"page_id": "quiz.pk", "page_to_move_id": "quiz.pk", "pk": "quiz.pk"},
}
# Bulk actions act on the objects named in ?id=.
BULK_IDS = {
    "wagtailcore.page": "lesson.pk",
    "quizzes.question": "question.pk",
    "quizzes.questioncategory": "category.pk",
    "wagtailimages.image": "image.pk",
    "wagtaildocs.document": "document.pk",
    "auth.user": "learner.user.pk",
}


CASES: dict[str, dict[str, dict]] = {
    **{
        f"wagtailadmin_pages:{name}": _PAGE_TYPES
        for name in ("edit", "preview_on_edit", "view_draft", "delete", "move")
    },
    "wagtailadmin_pages:add": {
        "course": {
            "content_type_model_name": "=coursepage",
            "parent_page_id": "home.pk",
        },
        "lesson": {},
        "quiz": {
            "content_type_app_name": "=quizzes",
            "content_type_model_name": "=quizpage",
        },
    },
    "wagtail_bulk_action": {
        f"{app}.{model}.{action}": {
            "app_label": f"={app}",
            "model_name": f"={model}",
            "action": f"={action}",
            "query": {"id": BULK_IDS[f"{app}.{model}"]},
        }
        for app, model, actions in (
            ("wagtailcore", "page", ("delete", "move", "publish", "unpublish")),
            ("quizzes", "question", ("delete",)),
            ("quizzes", "questioncategory", ("delete",)),
            ("wagtailimages", "image", ("add_tags", "add_to_collection", "delete")),
            ("wagtaildocs", "document", ("add_tags", "add_to_collection", "delete")),
            ("auth", "user", ("assign_role", "set_active_state", "delete")),
        )
        for action in actions
    },
    "training:team_member": {
        "own": {},
        "outside": {"employee_no": "other_learner.employee_no"},
    },
    "wagtail_serve": {
        "home": {"path": "home.url"},
        "course": {"path": "course.url"},
        "lesson": {"path": "lesson.url"},
        "quiz": {"path": "quiz.url"},
        "restricted": {"path": "restricted.url"},
        "missing": {"path": "=/no-such-page/"},
    },
}


def cases_for(base: str) -> list[str]:
    return list(CASES.get(base, {}))


def kwargs_for(base: str, case: str | None) -> dict:
    import re

    def matches(pattern):
        regex = ".*".join(re.escape(part) for part in pattern.split("*"))
        return re.fullmatch(regex, base) is not None

    spec = {}
    patterns = sorted((p for p in KWARGS if matches(p)), key=len)
    for pattern in patterns:
        spec.update(KWARGS[pattern])
    if case:
        spec.update(CASES[base][case])
    return spec


# Shorthands for the common rows.
_ANY_ADMIN = "L L L 200 200 200"  # Trainer, HR and Admin: Wagtail's choosers, account
_TRAINER = "L L L 200 A 200"  # content and question bank: not HR
_HR = "L L L A 200 200"  # organisation, imports, audit log: not trainers
_ADMIN = "L L L A A 200"  # users, groups, sites, workflows, collections
_NOBODY = "L L L A A A"  # no such permission exists for anyone
_LEARNER_SITE = "L 200 200 200 200 200"
_POST_ONLY = "L L L 405 405 405"

GET: dict[str, str] = {
    # --- the learner site ---
    "health": "200 200 200 200 200 200",
    "login": "200 R R R R R",
    "logout": "L 405 405 405 405 405",  # POST only
    "password_change": _LEARNER_SITE,
    "password_change_done": _LEARNER_SITE,
    "set_language": "R R R R R R",
    "training:search": _LEARNER_SITE,
    "training:lesson_studied": "L 405 405 405 405 405",
    # Team pages: managers (their subtree), HR and admin; a learner outside a
    # manager's subtree is 404 to them.
    "training:team": "L 403 200 403 200 200",
    "training:team_export": "L 403 200 403 200 200",
    "training:team_member[own]": "L 403 200 403 200 200",
    "training:team_member[outside]": "L 403 404 403 200 200",
    # Quizzes, notebook and own record: the world's attempt, notebook entry and
    # ledger entry are the learner's; to anyone else they are 404.
    "quizzes:attempt_start": "L 405 405 405 405 405",  # POST only
    "quizzes:attempt_take": "L R 404 404 404 404",  # submitted: → result
    "quizzes:attempt_result": "L 200 404 404 404 404",
    "quizzes:answer_save": "L 405 405 405 405 405",
    "quizzes:attempt_submit": "L 405 405 405 405 405",
    "quizzes:integrity_event": "L 405 405 405 405 405",
    "quizzes:notebook": _LEARNER_SITE,
    "quizzes:notebook_practice_next": "L R 200 200 200 200",  # empty notebooks
    "quizzes:notebook_practice": "L 200 404 404 404 404",
    "quizzes:notebook_result": "L R 404 404 404 404",  # not practised yet
    "incentives:record": _LEARNER_SITE,
    "incentives:record_entry": "L 200 404 404 404 404",
    "incentives:team_totals": "L 403 200 403 200 200",
    "wagtail_serve[*]": _LEARNER_SITE,
    "wagtail_serve[missing]": "L 404 404 404 404 404",
    "wagtailcore_login": "200 200 200 200 200 200",
    "wagtailcore_authenticate_with_password": _LEARNER_SITE,
    "wagtaildocs_serve": _LEARNER_SITE,
    "wagtaildocs_authenticate_with_password": _LEARNER_SITE,
    # --- the Wagtail admin: open to Trainer, HR and Admin ---
    "wagtailadmin_home": _ANY_ADMIN,
    "wagtailadmin_login": "200 200 200 A A A",
    "wagtailadmin_logout": _POST_ONLY,
    "wagtailadmin_account": _ANY_ADMIN,
    "wagtailadmin_dismissibles": _ANY_ADMIN,
    "wagtailadmin_sprite": _LEARNER_SITE,
    "wagtailadmin_javascript_catalog": _LEARNER_SITE,
    "wagtailadmin_password_reset*": "L 404 404 404 404 404",  # switched off
    "wagtailadmin_error_test": "L L L 500 500 500",  # Wagtail's own test of 500
    "admin/test404/": _ANY_ADMIN,  # Wagtail's own 404 page, as a 200
    "admin/^.*/$": "R R R 404 404 404",
    "wagtailadmin_block_preview": "L L L 404 404 404",
    "wagtailadmin_editing_sessions:*": _POST_ONLY,
    "wagtailadmin_tag_autocomplete": _ANY_ADMIN,
    "wagtailadmin_tag_model_autocomplete": "L L L 404 404 404",
    "wagtailsettings:*": "L L L 404 404 404",  # no settings models
    "wagtailembeds:*": _ANY_ADMIN,
    "wagtailsnippets:index": _NOBODY,  # each snippet has its own menu item
    # Admin API (page explorer menu and choosers)
    # Listings of page, image and document titles for Wagtail's choosers.
    "wagtailadmin_api:*:listing": _ANY_ADMIN,
    "wagtailadmin_api:*:find": "L L L 404 404 404",  # needs ?id=
    "wagtailadmin_api:pages:detail": "L L L 200 404 200",
    "wagtailadmin_api:pages:action": _POST_ONLY,
    "wagtailadmin_api:*:detail": _ANY_ADMIN,
    # Pages: trainers edit (and submit for review); HR has no page rights.
    "wagtailadmin_explore*": _TRAINER,
    "wagtailadmin_pages:*": _TRAINER,
    "wagtailadmin_pages:choose_parent": _ANY_ADMIN,  # lists no page HR may add to
    "wagtailadmin_pages:revisions_index": "L L L R R R",  # → history
    "wagtailadmin_pages:delete[*]": _ADMIN,
    "wagtailadmin_pages:move[*]": _ADMIN,
    "wagtailadmin_pages:move_confirm": _ADMIN,
    "wagtailadmin_pages:unpublish": _ADMIN,
    "wagtailadmin_pages:set_privacy": _ADMIN,
    "wagtailadmin_pages:revisions_unschedule": _ADMIN,
    "wagtailadmin_pages:convert_alias": "L L L 404 404 404",  # not an alias
    "wagtailadmin_pages:lock": _POST_ONLY,
    "wagtailadmin_pages:unlock": _POST_ONLY,
    "wagtailadmin_pages:set_page_position": _POST_ONLY,
    # Reviewing is another trainer's task (training/workflows.py).
    "wagtailadmin_pages:workflow_action": _ADMIN,
    "wagtailadmin_pages:collect_workflow_action_data": _ADMIN,
    "wagtailadmin_pages:workflow_preview": _ADMIN,
    "wagtailadmin_pages:confirm_workflow_cancellation": _ANY_ADMIN,
    "wagtailadmin_choose_page*": _ANY_ADMIN,
    "wagtailadmin_reports:*": _TRAINER,
    "wagtailadmin_reports:site_history*": _ANY_ADMIN,
    "wagtailadmin_collections:*": _ADMIN,
    "wagtailadmin_collections:delete": "L L L 404 404 200",
    "wagtailadmin_workflows:*": _ADMIN,
    "wagtailadmin_workflows:task_cho*": _ANY_ADMIN,
    "wagtailadmin_workflows:enable*": _POST_ONLY,
    "wagtailadmin_workflows:remove": _POST_ONLY,
    # Images and documents: trainers (study material).
    "wagtailimages:*": _TRAINER,
    "wagtailimages:url_generator*": "L L L 404 A 404",  # no dynamic serve view
    "wagtailimages:*_multiple": _POST_ONLY,
    "wagtailimages:add_multiple": _TRAINER,
    "wagtailimages:create_multiple_from_uploaded_image": _POST_ONLY,
    "wagtailimages_chooser:*": _ANY_ADMIN,
    "wagtailimages_chooser:create": _TRAINER,
    "wagtaildocs:*": _TRAINER,
    "wagtaildocs:*_multiple": _POST_ONLY,
    "wagtaildocs:add_multiple": _TRAINER,
    "wagtaildocs:create_multiple_from_uploaded_document": _POST_ONLY,
    "wagtaildocs_chooser:*": _ANY_ADMIN,
    "wagtaildocs_chooser:create": _TRAINER,
    # The question bank: trainers; deleting a question is for administrators.
    "wagtailsnippets_quizzes_question*:*": _TRAINER,
    "wagtailsnippets_quizzes_question*:delete": _ADMIN,
    "wagtailsnippets_quizzes_question:lock": "L L L 405 A 405",
    "wagtailsnippets_quizzes_question:unlock": "L L L 405 A 405",
    # Choosers list titles only, to any admin user (Wagtail's default).
    "wagtailsnippetchoosers_quizzes_question*:*": _ANY_ADMIN,
    "wagtailsnippetchoosers_quizzes_question*:create": _TRAINER,
    # Bulk actions: the confirmation lists only what the user may act on.
    "wagtail_bulk_action[*]": _ANY_ADMIN,
    "wagtail_bulk_action[auth.user.*]": _ADMIN,
    # Organisation, complaints, imports and the audit log: HR.
    "staff:*": _HR,
    "departments:*": _HR,
    "staff:delete": _NOBODY,  # leavers are deactivated, never deleted
    "departments:delete": _NOBODY,
    "assignments:*": _ANY_ADMIN,
    "assignments:edit": _NOBODY,  # assignments are added, never edited
    "assignments:delete": _NOBODY,
    "assignments:usage": _NOBODY,
    "complaints:*": "L L L 403 200 200",
    "complaints:delete": "L L L 403 403 403",
    "complaints:approve_deadline": "L L L 403 R R",  # a POST form on the edit page
    "core_imports:index": _ANY_ADMIN,
    "core_imports:upload": _HR,
    "core_imports:template": _HR,
    "core_imports:job": "L L L 404 200 200",  # someone else's job is 404
    "core_imports:errors": "L L L 404 404 404",  # this job has no errors
    "core_imports:confirm": _POST_ONLY,
    "core_imports:retry": _POST_ONLY,
    "audit_log:*": _NOBODY,  # written by the product only
    "audit_log:index*": _HR,
    "audit_log:inspect": _HR,
    # Exports as jobs: HR's job is 404 to others; its file is 404 until the job
    # has run (here it is still queued: on_commit never fires in the test).
    "core_exports:index": _ANY_ADMIN,
    "core_exports:start": _HR,
    "core_exports:job": "L L L 404 200 200",
    "core_exports:download": "L L L 404 404 404",
    # Quiz statistics and attempts: trainers, and HR who reads results;
    # attempts are never added or edited by hand, regrading is a trainer's.
    "quiz_reports:*": _ANY_ADMIN,
    "quiz_reports:regrade": _TRAINER,
    "quiz_attempts:*": _NOBODY,
    "quiz_attempts:index*": _ANY_ADMIN,
    "quiz_attempts:inspect": _ANY_ADMIN,
    # Rules and evaluation: HR; rules are never deleted (versions keep history).
    "incentive_rules:*": "L L L 403 200 200",
    "incentive_rules:delete": "L L L 403 403 403",
    "incentive_rules:history*": _HR,
    "incentive_rules:usage": _HR,
    "incentive_evaluation:*": "L L L 403 200 200",
    # The ledger: HR (reviews are POST only).
    "ledger:*": "L L L 403 200 200",
    "ledger:approve": "L L L 403 405 405",
    "ledger:bulk": "L L L 403 405 405",
    # Users, groups, sites: administrators.
    "wagtailusers_*": _ADMIN,
    "wagtailusers_users:delete": _NOBODY,  # rostered staff are never deleted
    "wagtailsites:*": _ADMIN,
}

# A POST without its form's fields: what matters is who gets through. "500"
# marks Wagtail views that raise on such a truncated form (MultiValueDictKeyError
# and the like) once permission is granted: not a permission matter.
_TRAINER_POSTS = "L L L R A R"

# Views that only read: not posted (checked before POST, whatever it says).
POST_READS: tuple[str, ...] = (
    "*index*",
    "*:list*",
    "*:revisions_compare",
    "*:history*",
    "*:inspect",
    "*_chooser:cho*",
    "wagtailsnippetchoosers_*:cho*",
    "wagtailadmin_api:*",
    "wagtailadmin_reports:*",
    "wagtailadmin_explore*",
    "wagtailadmin_choose_page",
    "wagtailadmin_choose_page_child",
    "wagtailadmin_choose_page_search",
    "wagtailadmin_choose_page_chosen_multiple",
    "wagtailadmin_pages:search*",
    "wagtailadmin_pages:type_use*",
    "wagtailadmin_pages:revisions_index",
    "wagtailadmin_pages:revisions_view",
    "wagtailadmin_pages:view_draft[*]",
    "wagtailadmin_pages:workflow_history*",
    "wagtailadmin_pages:workflow_preview",
    "wagtailadmin_pages:choose_parent",
    "wagtailadmin_workflows:task_chooser*",
    "wagtailadmin_workflows:task_chosen",
    "wagtailimages:url_generator*",
    "wagtailimages:preview",
    "wagtailimages_chooser:select_format",
    "wagtailadmin_home",
    "wagtailadmin_sprite",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_tag_*autocomplete",
    "wagtailadmin_block_preview",
    "wagtailadmin_error_test",
    "wagtailsettings:preview_on_edit",
    "admin/test404/",
    "admin/^.*/$",
    "wagtailadmin_password_reset*",
    "health",
    "training:search",
    "training:team*",
    "wagtail_serve[*]",
    "wagtaildocs_serve",
    "core_imports:template",
    "core_imports:errors",
    "core_imports:job",
    "password_change_done",
    "*usage*",
    "quizzes:attempt_take",
    "quizzes:attempt_result",
    "quizzes:notebook",
    "quizzes:notebook_practice_next",
    "quizzes:notebook_result",
    "incentives:*",
    "quiz_reports:report",
    "quiz_reports:export",
    "core_exports:job",
    "core_exports:download",
    "ledger:statement",
    "ledger:totals",
    "incentive_evaluation:job",
    # Logging out is tested in tests/core/test_security.py (and would end the
    # session this test reuses).
    "logout",
    "wagtailadmin_logout",
)

POST: dict[str, str] = {
    # --- the learner site ---
    "login": "200 R R R R R",
    "password_change": "L 200 200 200 200 200",
    "set_language": "R R R R R R",
    "training:lesson_studied": "L R R R R R",
    "wagtailcore_login": "200 200 200 200 200 200",
    "wagtailcore_authenticate_with_password": "L 200 200 200 200 200",
    "wagtaildocs_authenticate_with_password": "L 200 200 200 200 200",
    # --- the admin ---
    "wagtailadmin_login": "200 200 200 200 200 200",
    "wagtailadmin_account": _ANY_ADMIN,
    "wagtailadmin_dismissibles": "L L L 405 405 405",
    "wagtailadmin_choose_page_*_link": _ANY_ADMIN,
    "wagtailadmin_choose_page_external_link": "L L L 500 500 500",
    "wagtailadmin_editing_sessions:ping": "L L L 200 404 200",
    "wagtailadmin_editing_sessions:release": _ANY_ADMIN,
    "wagtailembeds:*": _ANY_ADMIN,
    "wagtailsettings:edit": "L L L 404 404 404",
    "wagtailsnippets:index": _NOBODY,
    # Pages
    "wagtailadmin_pages:*": _TRAINER,
    "wagtailadmin_pages:add_subpage": "L L L 405 A 405",
    "wagtailadmin_pages:add[lesson]": "L L L 500 A 500",
    "wagtailadmin_pages:edit[lesson]": "L L L 500 A 500",
    "wagtailadmin_pages:copy": "L L L 500 A 500",
    "wagtailadmin_pages:revisions_revert": "L L L 500 A 500",
    "wagtailadmin_pages:delete[*]": "L L L A A R",
    # R for home, course and quiz too: the quiz has an attempt, so they are
    # refused with a message back on the delete page (core/admin_guards.py).
    "wagtailadmin_pages:move[*]": _ADMIN,
    "wagtailadmin_pages:move_confirm": "L L L A A R",
    "wagtailadmin_pages:unpublish": "L L L A A R",
    "wagtailadmin_pages:set_privacy": _ADMIN,
    "wagtailadmin_pages:set_page_position": _ADMIN,
    "wagtailadmin_pages:revisions_unschedule": "L L L A A R",
    "wagtailadmin_pages:convert_alias": "L L L 404 404 404",
    "wagtailadmin_pages:lock": _TRAINER_POSTS,
    "wagtailadmin_pages:unlock": _TRAINER_POSTS,
    "wagtailadmin_pages:confirm_workflow_cancellation": _ANY_ADMIN,
    # The submitter may not approve their own submission (another trainer does).
    "wagtailadmin_pages:workflow_action": "L L L A A R",
    "wagtailadmin_pages:collect_workflow_action_data": _ADMIN,
    "wagtailadmin_collections:*": _ADMIN,
    "wagtailadmin_collections:delete": "L L L 404 404 R",
    "wagtailadmin_workflows:*": _ADMIN,
    "wagtailadmin_workflows:enable*": "L L L A A R",
    "wagtailadmin_workflows:disable*": "L L L A A R",
    "wagtailadmin_workflows:remove": "L L L A A R",
    "wagtailadmin_workflows:task_chooser_create": "L L L 400 400 400",
    # Images and documents: a trainer's "change" covers deleting (Wagtail).
    "wagtailimages:*": _TRAINER,
    "wagtailimages:delete": _TRAINER_POSTS,
    "wagtailimages:add_multiple": "L L L 400 A 400",
    "wagtailimages:*_upload*": "L L L 404 404 404",
    "wagtailimages_chooser:create": _TRAINER,
    "wagtaildocs:*": _TRAINER,
    "wagtaildocs:delete": _TRAINER_POSTS,
    "wagtaildocs:add_multiple": "L L L 400 A 400",
    "wagtaildocs:*_upload*": "L L L 404 404 404",
    "wagtaildocs_chooser:create": _TRAINER,
    # The question bank; a chooser cannot create a question with its choices.
    "wagtailsnippets_quizzes_question*:*": _TRAINER,
    "wagtailsnippets_quizzes_question:delete": "L L L A A R",
    "wagtailsnippets_quizzes_questioncategory:delete": _NOBODY,  # in use
    "wagtailsnippets_quizzes_question:lock": _TRAINER_POSTS,
    "wagtailsnippets_quizzes_question:unlock": _TRAINER_POSTS,
    "wagtailsnippets_quizzes_question:unpublish": _TRAINER_POSTS,
    "wagtailsnippets_quizzes_question:revisions_unschedule": _TRAINER_POSTS,
    "wagtailsnippetchoosers_quizzes_question*:create": "L L L 500 A 500",
    # Bulk actions act only on what the user may change (the rest is listed as
    # not allowed); on users, for administrators only, never on rostered staff.
    "wagtail_bulk_action[*]": "L L L R R R",
    "wagtail_bulk_action[*.add_*]": _ANY_ADMIN,
    "wagtail_bulk_action[wagtailcore.page.move]": _ANY_ADMIN,
    "wagtail_bulk_action[quizzes.questioncategory.delete]": "L L L R R A",
    "wagtail_bulk_action[auth.user.*]": _ADMIN,
    "wagtail_bulk_action[auth.user.delete]": _NOBODY,
    # Organisation, complaints, imports: HR
    "staff:*": _HR,
    "departments:*": _HR,
    "staff:delete": _NOBODY,
    "departments:delete": _NOBODY,
    "assignments:*": _ANY_ADMIN,
    "assignments:edit": _NOBODY,
    "assignments:delete": _NOBODY,
    "assignments:usage": _NOBODY,
    "complaints:*": "L L L 403 200 200",
    "complaints:delete": "L L L 403 403 403",
    "core_imports:upload": _HR,
    "core_imports:confirm": "L L L 404 R R",  # someone else's job is 404
    "core_imports:retry": "L L L 404 R R",
    "audit_log:*": _NOBODY,
    "core_exports:start": _HR,
    "quiz_reports:regrade": "L L L 400 A 400",  # no choice of regrade given
    "quiz_attempts:*": _NOBODY,
    "incentive_rules:add": "L L L 403 200 200",  # forms shown again with their errors
    "incentive_rules:edit": "L L L 403 200 200",
    "incentive_rules:delete": "L L L 403 403 403",
    "incentive_evaluation:evaluate": "L L L 403 200 200",
    "ledger:*": "L L L 403 200 200",  # forms shown again with their errors
    "ledger:approve": "L L L 403 R R",
    "ledger:bulk": "L L L 403 404 404",  # no entries named
    # The learner's own attempt and notebook; 404 to anyone else.
    "quizzes:attempt_start": "L R R R R R",
    "quizzes:answer_save": "L 400 404 404 404 404",  # submitted already
    "quizzes:attempt_submit": "L R 404 404 404 404",
    "quizzes:integrity_event": "L 200 404 404 404 404",
    "quizzes:notebook_practice": "L R 404 404 404 404",
    # Users, groups, sites: administrators
    "wagtailusers_*": _ADMIN,
    "wagtailusers_users:delete": _NOBODY,
    "wagtailusers_groups:delete": "L L L A A R",
    "wagtailsites:*": _ADMIN,
    "wagtailsites:delete": "L L L A A R",
}
