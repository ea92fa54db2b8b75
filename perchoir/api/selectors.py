from django.db.models import QuerySet

from perchoir.accounts.models import User

from .models import AccessToken


def access_token_list(*, user: User) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user, revoked_at__isnull=True)
