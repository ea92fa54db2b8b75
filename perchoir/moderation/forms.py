from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    EXPLANATION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    ActionKind,
    CaseStatus,
    ReportCategory,
    Rule,
)
from .services import SLOW_MODE_MAX_SECONDS


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is wrong?"), choices=ReportCategory.choices, widget=forms.RadioSelect
    )
    explanation = forms.CharField(
        label=_("Explain"),
        max_length=EXPLANATION_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you saw, and why it breaks the rules. The person will not see it."),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        required=False,
        help_text=_("For the receipt and the outcome; shared with nobody."),
    )
    location_url = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1000)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Action, gentlest first"), choices=ActionKind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=REASON_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person reads this in the statement of reasons."),
    )
    rule = forms.ModelChoiceField(
        label=_("Which rule"), queryset=Rule.objects.order_by("number"), required=False
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("For a timed lock, a read-only restriction or a suspension."),
    )
    slow_mode_seconds = forms.IntegerField(
        label=_("Slow mode: seconds between two messages of one person"),
        required=False,
        min_value=1,
        max_value=SLOW_MODE_MAX_SECONDS,
    )
    confirmed = forms.BooleanField(
        label=_("I confirm: a gentler action is not enough"), required=False
    )

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field = self.fields["kind"]
            field.choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in ActionKind.choices if value in kinds
            ]


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=NOTE_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the team reads it."),
    )


class AssignForm(forms.Form):
    assignee = forms.CharField(label=_("Assign to (handle)"), max_length=70)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        required=False,
        max_length=REASON_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Why undo it"),
        max_length=REASON_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealForm(forms.Form):
    explanation = forms.CharField(
        label=_("Why should the decision change?"),
        max_length=EXPLANATION_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A different moderator will read it and decide."),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("grant", _("Grant: undo the action")),
            ("reject", _("Reject: the action stands")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=REASON_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person reads this."),
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Not resolved yet")), *CaseStatus.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any")), *ReportCategory.choices]
    )
    target_kind = forms.ChoiceField(label=_("About"), required=False, choices=[])
    mine = forms.BooleanField(label=_("Claimed by or assigned to me"), required=False)

    def __init__(self, *args: object, kinds: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["target_kind"].choices = [("", _("Anything")), *kinds]  # type: ignore[attr-defined]


class RuleForm(forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=999)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Explanation (English)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body_fr = forms.CharField(
        label=_("Explanation (French)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
