from django.db.models import QuerySet
from django.utils.translation import gettext as _

from perchoir.accounts.models import User
from perchoir.core.errors import NotFound

from .models import AccessToken


def access_token_list(*, user: User) -> QuerySet[AccessToken]:
    """The person's tokens that were not revoked, expired ones included (marked as such)."""
    return AccessToken.objects.filter(user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def access_token_get_for_owner(*, user: User, token_id: int) -> AccessToken:
    token = AccessToken.objects.filter(user=user, id=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("This token does not exist, or it is not yours."))
    return token
