from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self):
        from core.imports.registry import register
        from quizzes.resources import register_kinds
        from quizzes.selectors import quiz_requirements_met
        from training import requirements

        register_kinds(register)
        # Quizzes sit under courses, and a course is complete only when every
        # live quiz in it is passed (training/requirements.py).
        requirements.register_course_child_page_type("quizzes.QuizPage")
        requirements.register_requirement_provider(quiz_requirements_met)
