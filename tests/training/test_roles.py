"""Every learner-site endpoint of training, for every role."""

from django.urls import reverse

from training import study_clock
from training.models import LessonProgress


def test_pages_and_search_for_every_role(role_clients, course):
    lesson = course.get_children().live().first()
    for role, client in role_clients.items():
        for url in ("/", course.url, lesson.url, reverse("training:search")):
            status = client.get(url, {"q": "权利"}).status_code
            assert status == (302 if role == "anonymous" else 200), (role, url)


def test_marking_studied_for_every_role(role_clients, course):
    lesson = course.get_children().live().first()
    url = reverse("training:lesson_studied", args=[lesson.pk])
    for role, client in role_clients.items():
        response = client.post(url, {"clock": study_clock.start_token()})
        assert response.status_code == 302, role
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"]
    # Everyone with a staff record studied; the anonymous visitor did not.
    assert LessonProgress.objects.filter(lesson=lesson).count() == 5


def test_team_member_page_for_every_role(role_clients, learner, course):
    url = reverse("training:team_member", args=[learner.employee_no])
    expected = {
        "anonymous": 302,
        "learner": 403,
        "trainer": 403,
        "manager": 200,  # the learner works in the manager's sub-branch
        "hr": 200,
        "admin": 200,
    }
    for role, status in expected.items():
        assert role_clients[role].get(url).status_code == status, role


def test_an_unknown_employee_is_404(as_manager):
    url = reverse("training:team_member", args=["NOBODY"])
    assert as_manager.get(url).status_code == 404
