"""Checks shared by tests of rendered pages: our design, and nothing a strict CSP blocks."""

import re

from django.http import HttpResponse

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def assert_designed_page(response: HttpResponse, status: int = 200) -> str:
    assert response.status_code == status, response.status_code
    html = response.content.decode()
    assert 'class="site-header"' in html, "the page does not use our base template"
    assert 'href="#main"' in html, "the skip link is missing"
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not STYLE_ATTRIBUTE.search(html), "a style= attribute would be blocked by the CSP"
    assert not STYLE_ELEMENT.search(html), "a <style> element would be blocked by the CSP"
    return html
