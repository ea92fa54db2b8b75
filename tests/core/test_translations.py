"""The French catalogue covers every string of the source, and nothing in it is a guess."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PACKAGE = Path(settings.PACKAGE_DIR)
CATALOGUE = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def catalogue_entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, all msgstr text, fuzzy) for every entry but the header."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        head = block.split("msgstr")[0]
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$', head, re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"(?:\n"(.*)")*', block, re.M)
        translated = all("".join(part) for part in msgstrs) if msgstrs else False
        if msgid:
            entries.append((msgid, "x" if translated else "", fuzzy))
    return entries


def incomplete(text: str) -> list[str]:
    entries = catalogue_entries(text)
    return [msgid for msgid, translated, fuzzy in entries if fuzzy or not translated]


def test_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    assert incomplete(CATALOGUE.read_text()) == []


def test_every_string_of_the_source_is_in_the_french_catalogue(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("xgettext is needed to extract the strings: apt-get install gettext")
        pytest.skip("gettext is not installed")
    copy = tmp_path / "perchoir"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "perchoir", "makemessages", "-l", "fr", "--no-obsolete",
         "--no-location"],
        cwd=copy, check=True, capture_output=True,
    )  # fmt: skip
    missing = incomplete((copy / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text())
    assert missing == [], "run `make messages` and translate: " + "; ".join(missing[:20])
