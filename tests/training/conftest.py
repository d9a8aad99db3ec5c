import pytest
from django.core.cache import cache

from tests.training import factories as training_factories


@pytest.fixture
def home(db):
    page = training_factories.home()
    cache.clear()  # Wagtail caches site root paths
    return page


@pytest.fixture
def course(home):
    """A published course for everyone, with two lessons."""
    page = training_factories.course(parent=home, title="消费者权益保护法")
    training_factories.lesson(course=page, title="消费者的权利")
    training_factories.lesson(course=page, title="经营者的义务")
    page.refresh_from_db()  # numchild
    return page
