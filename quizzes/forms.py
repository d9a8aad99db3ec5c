from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm

from quizzes import services, text
from quizzes.models import Question


class QuestionForm(WagtailAdminModelForm):
    """The admin form of a question: the bank's rules (services.question_problems)
    are checked when a question is published; a draft may be incomplete, but
    never a second copy of a question of the same category."""

    def clean(self):
        cleaned = super().clean()
        category, stem = cleaned.get("category"), cleaned.get("stem")
        if category is not None and stem:
            duplicate = (
                Question.objects.filter(stem_key=text.stem_key(category.pk, stem))
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if duplicate:
                self.add_error("stem", services.ERROR_DUPLICATE_QUESTION)
        formset = self.formsets["choices"]
        if not formset.is_valid() or "kind" not in cleaned:
            return cleaned
        forms = formset.ordered_forms
        choices = [
            services.ChoiceInput(
                text=form.cleaned_data.get("text", ""),
                is_correct=form.cleaned_data.get("is_correct", False),
                feedback=form.cleaned_data.get("feedback", ""),
                weight=form.cleaned_data.get("weight"),
            )
            for form in forms
        ]
        kind = cleaned["kind"]
        for form, weight in zip(
            forms, services.weights_normalised(kind, choices), strict=True
        ):
            form.instance.weight = weight
        if self.is_deferred_validation:
            return cleaned
        for problem in services.question_problems(
            kind=kind, stem=stem or "", choices=choices
        ):
            if problem.field == "stem":
                if "stem" not in self.errors:
                    self.add_error("stem", problem.message)
            else:
                self.add_error(None, problem.message)
        return cleaned
