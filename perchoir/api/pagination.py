from ninja.pagination import CursorPagination

# Newest first, stable under inserts: the cursor carries the last position seen.
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class NewestFirst(CursorPagination):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("ordering", ("-created_at", "-id"))
        kwargs.setdefault("page_size", PAGE_SIZE)
        kwargs.setdefault("max_page_size", MAX_PAGE_SIZE)
        super().__init__(**kwargs)  # type: ignore[arg-type]
