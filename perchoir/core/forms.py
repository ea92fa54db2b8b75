from django import forms

from .errors import InvalidInput


def form_add_service_errors(form: forms.BaseForm, error: InvalidInput) -> None:
    """Show a service's InvalidInput next to the fields it names (or above the form)."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for field, messages in error.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
