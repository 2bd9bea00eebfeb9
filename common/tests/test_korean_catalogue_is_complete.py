"""Every message of our Korean catalogue has its translation: an empty or fuzzy entry would answer in
English inside a Korean response (msgfmt is the tool the build compiles it with)."""

import subprocess

from django.conf import settings


def test_every_entry_of_the_korean_catalogue_is_translated():
    catalogue = settings.BASE_DIR / "locale" / "ko" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    )
    statistics = result.stderr.strip().splitlines()[-1]
    assert "translated message" in statistics
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics
