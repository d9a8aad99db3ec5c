"""The extension point through which a higher app (quizzes) plugs into courses,
without training ever importing it (DESIGN.md: core <- org <- training <- quizzes).

A higher app, in its AppConfig.ready():

    from training import requirements
    requirements.register_course_child_page_type("quizzes.QuizPage")
    requirements.register_requirement_provider(quiz_requirements_met)

and after a learner passes a quiz:

    from training.services import course_completion_refresh
    course_completion_refresh(staff=staff, course=course)

A provider is a callable `provider(*, staff_ids, course_ids) -> set[(staff_id,
course_id)]` returning the pairs whose requirements of that provider are met
(e.g. every quiz of the course passed). A course with nothing for the provider
to check must be returned as met for every staff member. Providers are called in
bulk, so they must answer with a constant number of queries, never one per staff
member or course.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.apps import apps

Provider = Callable[..., set[tuple[int, int]]]

_child_page_types: list[str] = []
_providers: list[Provider] = []


def register_course_child_page_type(model_string: str) -> None:
    """Allow pages of `model_string` ("app_label.ModelName") under a CoursePage."""
    if model_string not in _child_page_types:
        _child_page_types.append(model_string)


def unregister_course_child_page_type(model_string: str) -> None:
    if model_string in _child_page_types:
        _child_page_types.remove(model_string)


def course_child_page_models() -> list[type]:
    """Page models registered as course children besides lessons (e.g. quizzes)."""
    return [apps.get_model(name) for name in _child_page_types]


def register_requirement_provider(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_requirement_provider(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def requirements_met(
    *, staff_ids: Collection[int], course_ids: Collection[int]
) -> set[tuple[int, int]]:
    """The (staff_id, course_id) pairs for which every provider is satisfied."""
    pairs = {(s, c) for s in staff_ids for c in course_ids}
    if not pairs:
        return set()
    for provider in _providers:
        pairs &= set(
            provider(staff_ids=frozenset(staff_ids), course_ids=frozenset(course_ids))
        )
        if not pairs:
            break
    return pairs
