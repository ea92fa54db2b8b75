"""Sign-in through OpenID Connect providers, with a nonce.

allauth's OpenID Connect flow relies on `state` and PKCE and sends no `nonce`. We add one, bound
to the state of this very sign-in: the provider must put it back in the ID token, so an ID token
issued for another sign-in (or replayed from one) is refused. allauth still checks the issuer,
the audience (our client id), the expiry and the token id; the views below are allauth's own,
given this adapter: the provider class is registered in its place by `register_nonce_provider`
(the sign-in redirect goes through the provider's adapter), and the callback address is matched
before allauth's (its view names its adapter).
"""

from typing import Any

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers import registry
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.crypto import constant_time_compare, salted_hmac


def nonce_for(state_id: str) -> str:
    return salted_hmac("perchoir.accounts.oidc.nonce", state_id).hexdigest()


class NonceClient(OAuth2Client):
    """Adds the nonce of this sign-in's state to the authorization request."""

    def get_redirect_url(
        self, authorization_url: str, scope: Any, extra_params: dict[str, Any]
    ) -> str:
        params = {**extra_params, "nonce": nonce_for(self.state)}
        return str(super().get_redirect_url(authorization_url, scope, params))


class NonceOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    client_class = NonceClient

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        claims: dict[str, Any] = super()._decode_id_token(app, id_token)
        # allauth has already matched the callback's `state` with this browser's stash.
        state_id = self.request.GET.get("state", "")
        if not (state_id and constant_time_compare(claims.get("nonce", ""), nonce_for(state_id))):
            raise OAuth2Error("The ID token's nonce is not this sign-in's.")
        return claims


class NonceOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = NonceOpenIDConnectAdapter
    package = "allauth.socialaccount.providers.openid_connect"  # where allauth finds its URLs


def register_nonce_provider() -> None:
    """Puts our provider class in the place of allauth's (after allauth has registered its own)."""
    registry.load()
    registry.register(NonceOpenIDConnectProvider)


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(NonceOpenIDConnectAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as error:
        raise Http404 from error


# The same address and name as allauth's, matched before it (see perchoir/urls.py).
urlpatterns: list[URLPattern] = [
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        callback,
        name="openid_connect_callback",
    ),
]
