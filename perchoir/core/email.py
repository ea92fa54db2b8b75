"""The one way to send an email: a template, in the recipient's language, after commit.

`email_send` is called from services; it enqueues `email_send_task` once the current transaction
commits, so a rolled-back change never mails anyone. The task renders
`emails/<template>_subject.txt` and `emails/<template>.txt` with the recipient's language active.
The context must be JSON-serialisable (strings, numbers, lists, dicts): tasks cross processes.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from .selectors import site_settings_get


def email_send(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    language: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Send `template` to `to` in `language`, in the background, once the transaction commits;
    `headers` are added to the message (List-Unsubscribe, for instance)."""
    recipients = list(to)
    data = dict(context)
    extra = dict(headers or {})
    transaction.on_commit(
        lambda: email_send_task.enqueue(
            to=recipients, template=template, context=data, language=language, headers=extra
        )
    )


def email_render(*, template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """The subject (one line) and plain-text body of `template` in `language`."""
    full_context = {
        "site_name": site_settings_get().name,
        "site_url": settings.SITE_URL,
        **context,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", full_context)
        body = render_to_string(f"emails/{template}.txt", full_context)
    # Plain text: the templates turn autoescaping off; a subject is one line.
    one_line = " ".join(subject.split())
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + one_line, body.strip() + "\n"


@task()
def email_send_task(
    *,
    to: list[str],
    template: str,
    context: dict[str, Any],
    language: str,
    headers: dict[str, str] | None = None,
) -> None:
    subject, body = email_render(template=template, context=context, language=language)
    EmailMessage(subject, body, None, to, headers=headers or None).send(fail_silently=False)
