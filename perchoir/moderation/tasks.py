"""Emails to visitors who reported without an account: the receipt and the outcome."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import get_language
from django_tasks import task

from perchoir.core.selectors import site_settings_get

from .models import Report


def report_email_send(*, report: Report, template: str, title: str, outcome: str = "") -> None:
    """Mail the visitor `template` ("receipt" or "outcome") once the transaction commits."""
    context = {
        "title": title,
        "outcome": outcome,
        "receipt_url": settings.SITE_URL + report.get_absolute_url(),
    }
    to = report.reporter_email
    language = get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(
        lambda: report_email_task.enqueue(
            to=to, template=template, context=context, language=language
        )
    )


@task()
def report_email_task(*, to: str, template: str, context: dict[str, Any], language: str) -> None:
    full = {"site_name": site_settings_get().name, **context}
    with translation.override(language):
        subject = " ".join(
            render_to_string(f"moderation/emails/report_{template}_subject.txt", full).split()
        )
        body = render_to_string(f"moderation/emails/report_{template}.txt", full)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body.strip() + "\n", None, [to])
