import time
import pytest
from django.utils import timezone
from django.contrib.auth.models import AnonymousUser
from perchoir.conversations.models import Conversation, Message, Participant
from perchoir.discovery.models import SearchDocument
from perchoir.discovery.backends import search_backend
from perchoir.discovery.selectors import SearchQuery, search
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

def test_perf():
    user = UserFactory()
    c = Conversation.objects.create(title="t", starter=user)
    Message.objects.bulk_create(Message(conversation=c, author=user, body="common word %d" % i, body_html="<p>common word %d</p>" % i) for i in range(20000))
    now = timezone.now()
    docs = SearchDocument.objects.bulk_create(SearchDocument(kind="message", object_id=m, title="", body="common word filler text %d" % m, author=user, created_at=now) for m in Message.objects.values_list("id", flat=True))
    t=time.time()
    b = search_backend()
    for d in SearchDocument.objects.all(): b.write(d)
    print("index", time.time()-t)
    for q in ("common", "filler 1234", "zzz"):
        t=time.time()
        r = search(viewer=AnonymousUser(), query=SearchQuery(text=q))
        print(q, len(r.hits), r.page.paginator.count, time.time()-t)

def test_perf_breakdown(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    user = UserFactory()
    c = Conversation.objects.create(title="t", starter=user)
    Message.objects.bulk_create(Message(conversation=c, author=user, body="common word %d" % i, body_html="<p>common word %d</p>" % i) for i in range(20000))
    now = timezone.now()
    SearchDocument.objects.bulk_create(SearchDocument(kind="message", object_id=m, title="", body="common word filler text %d" % m, author=user, created_at=now) for m in Message.objects.values_list("id", flat=True))
    b = search_backend()
    for d in SearchDocument.objects.all(): b.write(d)
    with CaptureQueriesContext(connection) as ctx:
        search(viewer=AnonymousUser(), query=SearchQuery(text="common"))
    for q in ctx.captured_queries:
        print(q["time"], q["sql"][:150])
