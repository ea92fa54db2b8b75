from dataclasses import dataclass

from django import forms
from django.http import QueryDict

from .selectors import Preference


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    in_app: forms.BoundField
    email: forms.BoundField


class NotificationPreferencesForm(forms.Form):
    """Two checkboxes a kind: on this site, by email. Unchecked boxes are simply absent."""

    def __init__(self, data: QueryDict | None = None, *, preferences: list[Preference]) -> None:
        initial: dict[str, object] = {}
        for preference in preferences:
            initial[f"{preference.kind}-in_app"] = preference.in_app
            initial[f"{preference.kind}-email"] = preference.email
        super().__init__(data, initial=initial)
        self.preferences = preferences
        for preference in preferences:
            # The table's headers say what each box is; the labels are in the template.
            self.fields[f"{preference.kind}-in_app"] = forms.BooleanField(required=False)
            self.fields[f"{preference.kind}-email"] = forms.BooleanField(required=False)

    def rows(self) -> list[PreferenceRow]:
        return [
            PreferenceRow(
                kind=preference.kind,
                label=preference.label,
                in_app=self[f"{preference.kind}-in_app"],
                email=self[f"{preference.kind}-email"],
            )
            for preference in self.preferences
        ]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        """{kind: (in_app, email)} for the service."""
        return {
            preference.kind: (
                bool(self.cleaned_data[f"{preference.kind}-in_app"]),
                bool(self.cleaned_data[f"{preference.kind}-email"]),
            )
            for preference in self.preferences
        }
