"""One search interface, two engines chosen by the database vendor (docs/decisions/0010).

- PostgreSQL: `discovery_searchdocument.search_vector` (tsvector, GIN index), filled with
  `to_tsvector(<language>::regconfig, text)`; a query is matched as English, French or plain
  words (`plainto_tsquery`, which never fails on any input) and ranked with `ts_rank`.
- SQLite: the FTS5 table `discovery_search_fts` (tokenizer `porter unicode61 remove_diacritics
  2`), rowid = document id; French documents also carry their light French stems, each query word
  is quoted (so no FTS5 operator can come through) and matched as itself or its French stem.
"""

from typing import Protocol

from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

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
PG_SCORE = f"ts_rank(discovery_searchdocument.search_vector, {PG_QUERY})"


class SearchBackend(Protocol):
    def write(self, document: SearchDocument) -> None: ...

    def delete(self, document_id: int) -> None: ...

    def write_many(self, documents: list[SearchDocument]) -> None: ...

    def delete_many(self, document_ids: list[int]) -> None: ...

    def match(
        self, documents: QuerySet[SearchDocument], terms: list[str]
    ) -> QuerySet[SearchDocument]:
        """The documents that match every term (in some language), best first."""
        ...


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

    def match(
        self, documents: QuerySet[SearchDocument], terms: list[str]
    ) -> QuerySet[SearchDocument]:
        text = " ".join(terms)
        return (
            documents.extra(  # noqa: S610 - parameters only
                where=[PG_MATCHING],
                params=[text, text, text],
            )
            .annotate(
                score=RawSQL(  # noqa: S611 - fixed SQL, parameters only
                    PG_SCORE,
                    [text, text, text],
                    output_field=FloatField(),
                )
            )
            .order_by(F("score").desc(), "-created_at", "-id")
        )


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

    def match(
        self, documents: QuerySet[SearchDocument], terms: list[str]
    ) -> QuerySet[SearchDocument]:
        expression = fts_expression(terms)
        # A join, so that FTS5 runs the match once and gives each row its bm25 rank (lower is
        # better; negated so that higher is better on both engines).
        return documents.extra(  # noqa: S610 - fixed SQL, parameters only
            select={"score": "-discovery_search_fts.rank"},
            tables=[FTS_TABLE],
            where=[FTS_JOIN, FTS_MATCH],
            params=[expression],
        ).order_by("-score", "-created_at", "-id")


def search_backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")
