"""Cursor pagination for every list of the API: newest first, stable while new items arrive."""

from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import CursorPagination

from perchoir.core.errors import InvalidInput

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class NewestFirst(CursorPagination):
    """`?cursor=` carries the last position seen; `next` and `previous` are ready-made links.

    A cursor that was tampered with or truncated is a 400 in the error format, not a 500.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("ordering", ("-created_at", "-id"))
        kwargs.setdefault("page_size", PAGE_SIZE)
        kwargs.setdefault("max_page_size", MAX_PAGE_SIZE)
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        try:
            return super().paginate_queryset(queryset, pagination, request, **params)
        except (
            pydantic.ValidationError,
            NinjaValidationError,
            DjangoValidationError,
            ValueError,
        ) as error:
            raise InvalidInput.for_field(
                "cursor", _("This cursor is not valid; start again from the first page.")
            ) from error
