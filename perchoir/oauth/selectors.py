from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min
from oauth2_provider.models import AccessToken, Application, RefreshToken

from perchoir.accounts.models import User
from perchoir.api.scopes import SCOPES


@dataclass(frozen=True)
class Authorization:
    """An application a person has let act for them, with what it may do."""

    application: Application
    scopes: list[str]
    since: datetime
    last_renewed: datetime


def oauth_applications_of_developer(*, developer: User) -> list[Application]:
    return list(Application.objects.filter(user=developer).order_by("-created"))


def oauth_authorizations_of(*, user: User) -> list[Authorization]:
    """Every application holding a live access or refresh token of the person."""
    access = AccessToken.objects.filter(user=user, application__isnull=False)
    refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True)
    ids = set(access.values_list("application_id", flat=True)) | set(
        refresh.values_list("application_id", flat=True)
    )
    if not ids:
        return []
    scopes: dict[int, set[str]] = {}
    for application_id, scope in access.values_list("application_id", "scope"):
        scopes.setdefault(application_id, set()).update(scope.split())
    dates = {
        row["application_id"]: row
        for row in AccessToken.objects.filter(user=user, application_id__in=ids)
        .values("application_id")
        .annotate(first=Min("created"), last=Max("created"))
    }
    applications = Application.objects.filter(id__in=ids).select_related("user").order_by("name")
    found = []
    for application in applications:
        row = dates.get(application.id)
        found.append(
            Authorization(
                application=application,
                scopes=[s for s in SCOPES if s in scopes.get(application.id, set())],
                since=row["first"] if row else application.created,
                last_renewed=row["last"] if row else application.created,
            )
        )
    return found
