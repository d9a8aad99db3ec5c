"""Dashboard, course, lesson and team pages answer with a number of queries
that does not grow with the number of courses, lessons, blocks or staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from tests import factories
from tests.training import factories as training_factories
from training import services

MAX_QUERIES = 25


def _image():
    return get_image_model().objects.create(
        title="示意图", file=get_test_image_file(size=(40, 30))
    )


def _body(blocks: int, image):
    body = []
    for n in range(blocks):
        body.append(training_factories.law_block(text=f"第{n}段条文。"))
        body.append(
            {"type": "paragraph", "value": f"<p>说明 {n}</p>"},
        )
        body.append(
            {
                "type": "image",
                "value": {"image": image.pk, "alt_text": "图", "caption": f"图{n}"},
            }
        )
        body.append(
            {
                "type": "key_points",
                "value": {
                    "title": "要点",
                    "points": ["一", "二"],
                    "status": "verified",
                },
            }
        )
    return body


def build(home, learner, *, courses: int, lessons: int, blocks: int):
    image = _image()
    made = []
    for c in range(courses):
        course = training_factories.course(parent=home, title=f"课程{c}")
        pages = [
            training_factories.lesson(course=course, body=_body(blocks, image))
            for _ in range(lessons)
        ]
        services.lesson_mark_studied(staff=learner, lesson=pages[0], seconds=30)
        made.append((course, pages))
    return made


def count(client, url) -> int:
    client.get(url)  # warm caches (site root paths, renditions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def measure(bank, home, learner, as_learner):
    def run(courses, lessons, blocks):
        made = build(home, learner, courses=courses, lessons=lessons, blocks=blocks)
        course, pages = made[-1]
        return {
            "dashboard": count(as_learner, "/"),
            "course": count(as_learner, course.url),
            "lesson": count(as_learner, pages[-1].url),
        }

    return run


def test_learner_pages_are_constant(measure):
    small = measure(courses=1, lessons=2, blocks=1)  # 2: stays open
    large = measure(courses=4, lessons=5, blocks=6)
    assert small == large
    assert max(large.values()) <= MAX_QUERIES


def test_team_page_is_constant(bank, home, as_manager):
    def team_queries():
        return count(as_manager, "/team/")

    training_factories.course(parent=home)
    factories.staff(department=bank.o1)
    small = team_queries()
    for _ in range(3):
        training_factories.course(parent=home)
    for _ in range(12):
        factories.staff(department=bank.o2)
    for course in home.get_children().specific():
        course.save_revision().publish()
    large = team_queries()
    assert small == large <= MAX_QUERIES
