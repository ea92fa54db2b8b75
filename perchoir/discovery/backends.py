"""One search interface, two engines chosen by the database vendor (docs/decisions/0010).

- PostgreSQL: `discovery_searchdocument.search_vector` (tsvector, GIN index), filled with
  `to_tsvector(<language>::regconfig, text)`; a query is matched as English, French or plain
  words (`plainto_tsquery`, which never fails on any input) and ranked with `ts_rank`.
- SQLite: the FTS5 table `discovery_search_fts` (tokenizer `porter unicode61 remove_diacritics
  2`), rowid = document id; French documents also carry their light French stems, each query word
  is quoted (so no FTS5 operator can come through) and matched as itself or its French stem.

Both rank only the newest matches of a query (`best_of_newest`), so that the cost of ranking does
not grow with the number of matches.
"""

from typing import Protocol

from django.db import connection
from django.db.models import QuerySet

from .models import SearchDocument
from .text import FRENCH, french_stem, french_stems_of

FTS_TABLE = "discovery_search_fts"
# Fixed SQL around the FTS5 table; every value is a parameter.
FTS_DELETE = "DELETE FROM discovery_search_fts WHERE rowid = %s"
FTS_INSERT = "INSERT INTO discovery_search_fts (rowid, title, body) VALUES (%s, %s, %s)"
FTS_JOIN = "discovery_search_fts.rowid = discovery_searchdocument.id"
FTS_MATCH = "discovery_search_fts MATCH %s"
PG_QUERY = (
    "(plainto_tsquery('english', %s) || plainto_tsquery('french', %s) "
    "|| plainto_tsquery('simple', %s))"
)
PG_WRITE_MANY = (
    "UPDATE discovery_searchdocument SET search_vector = "
    "setweight(to_tsvector(language::regconfig, title), 'A') || "
    "to_tsvector(language::regconfig, body) WHERE id = ANY(%s)"
)
PG_MATCHING = f"discovery_searchdocument.search_vector @@ {PG_QUERY}"
# The newest matches are a subquery `newest`: what it selects, and how each engine ranks it.
NEWEST_COLUMNS = ("id", "kind", "object_id", "author_id", "created_at")
PG_BEST_OF_NEWEST = (
    "SELECT newest.id, newest.kind, newest.object_id, newest.author_id FROM ({newest}) newest "
    "ORDER BY ts_rank(newest.search_vector, {query}) DESC, newest.created_at DESC, "
    "newest.id DESC LIMIT %s"
)
# FTS5 ranks with bm25 (`rank`, lower is better) only within a MATCH, hence the second one.
FTS_BEST_OF_NEWEST = (
    "SELECT newest.id, newest.kind, newest.object_id, newest.author_id FROM ({newest}) newest "
    "JOIN discovery_search_fts ON discovery_search_fts.rowid = newest.id "
    "WHERE discovery_search_fts MATCH %s "
    "ORDER BY discovery_search_fts.rank, newest.created_at DESC, newest.id DESC LIMIT %s"
)


class SearchBackend(Protocol):
    def write(self, document: SearchDocument) -> None: ...

    def delete(self, document_id: int) -> None: ...

    def write_many(self, documents: list[SearchDocument]) -> None: ...

    def delete_many(self, document_ids: list[int]) -> None: ...

    def statistics_refresh(self) -> None:
        """After a bulk rebuild: let the engine's planner learn the new words' frequencies."""
        ...

    def best_of_newest(
        self, documents: QuerySet[SearchDocument], terms: list[str], newest: int, limit: int
    ) -> list[SearchDocument]:
        """Of the `newest` most recent documents that match every term (in some language), the
        `limit` best, ranked among themselves: best first, then newest. The score is read on
        those rows only, so its cost does not grow with the number of matches. Only `id`,
        `kind`, `object_id` and `author_id` are loaded."""
        ...


def _newest(
    documents: QuerySet[SearchDocument], newest: int, *also: str
) -> tuple[str, list[object]]:
    """The SQL of the `newest` most recent documents, to rank in an outer query. PostgreSQL
    walks the newest documents by their created_at index and stops after `newest` matches
    (common words), or sorts the few a GIN bitmap finds (rare words)."""
    rows = documents.order_by("-created_at", "-id").values(*NEWEST_COLUMNS, *also)[:newest]
    # Compiled by Django, then wrapped: Django cannot select from a subquery. A filter known to
    # match nothing compiles to a false condition instead of raising.
    sql, params = rows.query.get_compiler(using=rows.db, elide_empty=False).as_sql()
    return sql, list(params)


class PostgresBackend:
    def write(self, document: SearchDocument) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE discovery_searchdocument SET search_vector = "
                "setweight(to_tsvector(%s::regconfig, title), 'A') || "
                "to_tsvector(%s::regconfig, body) WHERE id = %s",
                [document.language, document.language, document.pk],
            )

    def delete(self, document_id: int) -> None:
        """The row holds the vector: nothing else to remove."""

    def write_many(self, documents: list[SearchDocument]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(PG_WRITE_MANY, [[document.pk for document in documents]])

    def delete_many(self, document_ids: list[int]) -> None:
        """The rows hold the vectors."""

    def statistics_refresh(self) -> None:
        # Without the vectors' statistics the planner takes a common word for a rare one and
        # reads every match instead of walking the newest documents (1.1 s instead of 14 ms
        # at a million messages); autovacuum would get there, but only later.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE discovery_searchdocument")

    def best_of_newest(
        self, documents: QuerySet[SearchDocument], terms: list[str], newest: int, limit: int
    ) -> list[SearchDocument]:
        text = " ".join(terms)
        # The vector rides along from the walk, so that ranking reads no row twice.
        matching = documents.extra(  # noqa: S610 - fixed SQL, parameters only
            select={"search_vector": "discovery_searchdocument.search_vector"},
            where=[PG_MATCHING],
            params=[text, text, text],
        )
        newest_sql, params = _newest(matching, newest, "search_vector")
        sql = PG_BEST_OF_NEWEST.format(newest=newest_sql, query=PG_QUERY)
        return list(SearchDocument.objects.raw(sql, [*params, text, text, text, limit]))


def fts_expression(terms: list[str]) -> str:
    """Every term, quoted (so FTS5 reads no operator), as itself or its French stem."""
    parts = []
    for term in terms:
        forms = [term]
        stem = french_stem(term)
        if stem and stem != term:
            forms.append(stem)
        parts.append("(" + " OR ".join(f'"{form}"' for form in forms) + ")")
    return " AND ".join(parts)


class SqliteBackend:
    def write(self, document: SearchDocument) -> None:
        self.write_many([document])

    def delete(self, document_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(FTS_DELETE, [document_id])

    def _row(self, document: SearchDocument) -> tuple[int, str, str]:
        body = document.body
        if document.language == FRENCH:
            body = f"{body}\n{french_stems_of(document.title + ' ' + body)}"
        return (document.pk, document.title, body)

    def write_many(self, documents: list[SearchDocument]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(FTS_DELETE, [[document.pk] for document in documents])
            cursor.executemany(FTS_INSERT, [self._row(document) for document in documents])

    def delete_many(self, document_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(FTS_DELETE, [[pk] for pk in document_ids])

    def statistics_refresh(self) -> None:
        """FTS5 plans without statistics."""

    def best_of_newest(
        self, documents: QuerySet[SearchDocument], terms: list[str], newest: int, limit: int
    ) -> list[SearchDocument]:
        expression = fts_expression(terms)
        matching = documents.extra(  # noqa: S610 - fixed SQL, parameters only
            tables=[FTS_TABLE], where=[FTS_JOIN, FTS_MATCH], params=[expression]
        )
        newest_sql, params = _newest(matching, newest)
        sql = FTS_BEST_OF_NEWEST.format(newest=newest_sql)
        return list(SearchDocument.objects.raw(sql, [*params, expression, limit]))


def search_backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")
