from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["people"])


class MeOut(Schema):
    id: int
    handle: str
    display_name: str
    email: str
    role: str
    language: str


@router.get("/me", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> object:
    return request.user
