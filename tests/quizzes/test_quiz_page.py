"""QuizPage sits under a course only, has no children, and is registered with
training as a course child whose pass is a course requirement."""

from __future__ import annotations

from wagtail.test.utils import WagtailPageTestCase

from quizzes.models import QuizPage
from training import requirements
from training.models import CoursePage, LessonPage, TrainingHomePage


class QuizPageTypeTests(WagtailPageTestCase):
    def test_parent_and_subpage_rules(self):
        self.assertAllowedParentPageTypes(QuizPage, {CoursePage})
        self.assertAllowedSubpageTypes(QuizPage, set())
        self.assertAllowedSubpageTypes(CoursePage, {LessonPage, QuizPage})
        self.assertCanNotCreateAt(TrainingHomePage, QuizPage)

    def test_registered_with_training(self):
        self.assertIn(QuizPage, requirements.course_child_page_models())
