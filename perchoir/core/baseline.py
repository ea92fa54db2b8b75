"""The baseline page of the load scenarios in bench/: what any small Django page costs here.

A minimal view rendering 100 database rows through a template, served by the same server and
middleware as every page. The scenarios print each page's throughput as a ratio to this one,
measured in the same run, so that figures compare across machines. It is routed only when
BENCH_BASELINE is on (PERCHOIR_BENCH_BASELINE), which a real site never sets.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from perchoir.accounts.models import User

BASELINE_ROWS = 100


def baseline_page(request: HttpRequest) -> HttpResponse:
    people = User.objects.order_by("id").values("handle", "display_name", "date_joined")
    return render(request, "core/baseline.html", {"people": people[:BASELINE_ROWS]})
