"""Page types: where they may sit, created through the admin, rendered."""

from django.test import Client
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from core import roles
from tests import factories
from tests.training import factories as training_factories
from training import requirements
from training.models import CoursePage, LessonPage, TrainingHomePage


class PageTypeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.branch = factories.department("示范分行", code="B", kind="branch")
        cls.outlet = factories.department("东湖路网点", code="O1", parent=cls.branch)
        cls.admin = factories.staff(
            department=cls.branch, employee_no="A001", role=None, superuser=True
        )
        cls.trainer = factories.staff(
            department=cls.branch, employee_no="T001", role=roles.TRAINER
        )
        cls.learner = factories.staff(department=cls.outlet, employee_no="L001")

    def setUp(self):
        from django.core.cache import cache

        cache.clear()

    def test_parent_and_subpage_rules(self):
        self.assertAllowedParentPageTypes(TrainingHomePage, {Page})
        self.assertAllowedSubpageTypes(TrainingHomePage, {CoursePage})
        self.assertAllowedParentPageTypes(CoursePage, {TrainingHomePage})
        # Besides lessons, the page types higher apps register (quizzes).
        self.assertAllowedSubpageTypes(
            CoursePage, {LessonPage, *requirements.course_child_page_models()}
        )
        self.assertAllowedParentPageTypes(LessonPage, {CoursePage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertCanNotCreateAt(TrainingHomePage, LessonPage)

    def test_home_page_can_be_created_in_the_admin_once(self):
        self.client.force_login(self.admin.user)
        root = Page.get_first_root_node()
        self.assertCanCreate(
            root,
            TrainingHomePage,
            nested_form_data(
                {"title": "权益学堂", "slug": "academy", "intro": rich_text("")}
            ),
        )
        self.assertFalse(TrainingHomePage.can_create_at(root))  # max_count = 1

    def _course_data(self, title="新课程"):
        data = nested_form_data(
            {
                "title": title,
                "slug": "new-course",
                "summary": "简介",
                "topic": "credit_reporting",
                "estimated_minutes": 45,
                "mandatory": "on",
                "audience_positions": "柜员\n客户经理",
                "due_days": 14,
                "recertify_months": 12,
            }
        )
        data["audience_departments"] = [self.outlet.pk]  # a list, not nested
        return data

    def test_course_can_be_created_in_the_admin(self):
        home = training_factories.home()
        self.client.force_login(self.admin.user)
        self.assertCanCreate(home, CoursePage, self._course_data())
        course = CoursePage.objects.get(slug="new-course")
        self.assertEqual(course.position_list, ["柜员", "客户经理"])
        self.assertEqual(list(course.audience_departments.all()), [self.outlet])
        self.assertTrue(course.live)

    def test_trainer_creates_a_draft_course_but_cannot_publish_directly(self):
        home = training_factories.home()
        self.client.force_login(self.trainer.user)
        self.assertCanCreate(home, CoursePage, self._course_data(), publish=False)
        course = CoursePage.objects.get(slug="new-course")
        self.assertFalse(course.live)
        self.assertFalse(course.permissions_for_user(self.trainer.user).can_publish())

    def test_trainer_submits_a_new_course_for_review(self):
        from django.urls import reverse

        home = training_factories.home()
        self.client.force_login(self.trainer.user)
        add_url = reverse(
            "wagtailadmin_pages:add", args=["training", "coursepage", home.pk]
        )
        editor = self.client.get(add_url).content.decode()
        self.assertIn('name="action-submit"', editor)
        self.assertNotIn('name="action-publish"', editor)
        response = self.client.post(
            add_url, {**self._course_data(), "action-submit": "action-submit"}
        )
        self.assertEqual(response.status_code, 302)
        course = CoursePage.objects.get(slug="new-course")
        self.assertFalse(course.live)
        self.assertTrue(course.workflow_in_progress)
        self.assertEqual(course.current_workflow_state.requested_by, self.trainer.user)

    def test_lesson_with_every_text_block_can_be_created_in_the_admin(self):
        home = training_factories.home()
        course = training_factories.course(parent=home)
        self.client.force_login(self.admin.user)
        data = nested_form_data(
            {
                "title": "第一课",
                "slug": "lesson-one",
                "summary": "",
                "body": streamfield(
                    [
                        ("heading", {"text": "权利", "level": "h2"}),
                        ("paragraph", rich_text("<p>说明</p>")),
                        (
                            "law_article",
                            {
                                "law_name": "中华人民共和国消费者权益保护法",
                                "article": "第八条",
                                "text": "消费者享有知悉……的权利。",
                                "note": "知情权",
                                "status": "unverified",
                                "source": "",
                            },
                        ),
                        (
                            "case_study",
                            {
                                "title": "案例",
                                "scenario": "情景",
                                "question": "问题",
                                "discussion": "讨论",
                            },
                        ),
                        (
                            "callout",
                            {
                                "kind": "tip",
                                "title": "",
                                "text": "提示",
                                "status": "verified",
                            },
                        ),
                    ]
                ),
            }
        )
        self.assertCanCreate(course, LessonPage, data)
        lesson = LessonPage.objects.get(slug="lesson-one")
        self.assertEqual(
            [b.block_type for b in lesson.body],
            ["heading", "paragraph", "law_article", "case_study", "callout"],
        )
        self.assertIn("知情权", lesson.search_text)

    def test_pages_render_for_a_learner_and_the_unverified_badge_shows(self):
        home = training_factories.home()
        course = training_factories.course(parent=home)
        block = training_factories.law_block()
        block["value"]["status"] = "unverified"
        lesson = training_factories.lesson(course=course, body=[block])
        self.client.force_login(self.learner.user)
        for page in (home, course, lesson):
            self.assertPageIsRenderable(page)
        html = self.client.get(lesson.url).content.decode()
        self.assertIn("待核实", html)  # Chinese by default
        self.assertIn("消费者享有知悉", html)

    def test_pages_require_login(self):
        home = training_factories.home()
        response = Client().get("/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/accounts/login/", response["Location"])
        self.assertEqual(home.url, "/")

    def test_every_block_has_an_icon_a_description_and_an_admin_preview(self):
        self.client.force_login(self.admin.user)
        body = LessonPage._meta.get_field("body").stream_block
        for name, block in body.child_blocks.items():
            self.assertTrue(block.meta.icon, name)
            self.assertTrue(block.meta.description, name)
            self.assertTrue(block.is_previewable, name)
            response = self.client.get(
                "/admin/block-preview/", {"id": block.definition_prefix}
            )
            self.assertEqual(response.status_code, 200, name)
            self.assertContains(response, "css/site.css")
        law_preview = self.client.get(
            "/admin/block-preview/",
            {"id": body.child_blocks["law_article"].definition_prefix},
        )
        self.assertContains(law_preview, "消费者享有知悉")


class PreviewTests(WagtailPageTestCase):
    """Trainers preview drafts and new lessons before submitting them."""

    @classmethod
    def setUpTestData(cls):
        branch = factories.department("示范分行", code="B", kind="branch")
        cls.trainer = factories.staff(
            department=branch, employee_no="T001", role=roles.TRAINER
        )

    def test_a_new_lesson_and_an_edited_draft_preview(self):
        from django.urls import reverse

        home = training_factories.home()
        course = training_factories.course(parent=home)
        lesson = training_factories.lesson(course=course, title="已发布的课时")
        self.client.force_login(self.trainer.user)
        data = nested_form_data(
            {
                "title": "草稿课时",
                "slug": "draft-lesson",
                "summary": "",
                "body": streamfield(
                    [
                        (
                            "callout",
                            {
                                "kind": "tip",
                                "title": "",
                                "text": "预览中的提示",
                                "status": "unverified",
                            },
                        )
                    ]
                ),
            }
        )
        add_url = reverse(
            "wagtailadmin_pages:preview_on_add",
            args=["training", "lessonpage", course.pk],
        )
        self.assertEqual(self.client.post(add_url, data).json()["is_valid"], True)
        self.assertContains(self.client.get(add_url), "预览中的提示")
        edit_url = reverse("wagtailadmin_pages:preview_on_edit", args=[lesson.pk])
        self.assertEqual(self.client.post(edit_url, data).json()["is_valid"], True)
        self.assertContains(self.client.get(edit_url), "草稿课时")
        lesson.refresh_from_db()
        self.assertEqual(lesson.title, "已发布的课时")  # the live page is untouched
