"""Every setting a deployment can give is in .env.example and in the README's settings tables, and
nothing is listed that no code reads (issue 19: the newcomer's settings list)."""

import re
import subprocess
import sys

from django.conf import settings

LIST_NAMES = (
    "from salesone.settings import env, development, production\n"  # production: its own variables
    "print(' '.join(sorted(env.NAMES)))"
)
# Read by salesone/settings but left out of .env.example and the README: no deployment sets them.
DEVELOPMENT_ONLY = {
    "TEST_DATABASE_NAME": "the database pytest creates; parallel test runs on one machine each name their own",
}
# Listed in .env.example and the README but read outside salesone/settings.
READ_ELSEWHERE = {
    "DJANGO_SETTINGS_MODULE": "manage.py, wsgi.py, asgi.py and celery_app.py choose the settings module with it",
    "PORT": "the Makefile and the Procfile (the API's port); gunicorn in the Docker image",
    "STREAM_PORT": "the Makefile and the Procfile (the event stream's port)",
    "SPAMD_PORT": "the Makefile and the Procfile (spamd's port)",
}


def _names_the_settings_read() -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", LIST_NAMES],
        cwd=settings.BASE_DIR,
        env={"SECRET_KEY": "x" * 50, "DEBUG": "false", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    read = set(result.stdout.split())
    assert "TRACKING_STREAM_BASE_URL" in read and "SECURE_HSTS_SECONDS" in read  # the probe itself works
    return read


def _names_in_env_example() -> set[str]:
    example = (settings.BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))


def _names_in_readme_settings() -> list[str]:
    """The first cell of each table row of the README's "Settings" section, in order."""
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = re.search(r"^## Settings\n(.*?)(?=^## )", readme, flags=re.MULTILINE | re.DOTALL)
    assert section, 'README.md has no "## Settings" section'
    return re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", section.group(1), flags=re.MULTILINE)


def test_env_example_lists_every_variable_the_settings_read():
    assert sorted(_names_the_settings_read() - _names_in_env_example() - DEVELOPMENT_ONLY.keys()) == []


def test_env_example_lists_nothing_that_no_code_reads():
    assert sorted(_names_in_env_example() - _names_the_settings_read() - READ_ELSEWHERE.keys()) == []


def test_development_only_settings_are_really_read_and_not_listed():
    read = _names_the_settings_read()
    assert DEVELOPMENT_ONLY.keys() <= read
    assert DEVELOPMENT_ONLY.keys().isdisjoint(_names_in_env_example())


def test_readme_settings_tables_list_exactly_the_variables_of_env_example():
    in_readme = _names_in_readme_settings()
    duplicated = sorted({name for name in in_readme if in_readme.count(name) > 1})
    assert duplicated == []
    example = _names_in_env_example()
    assert sorted(example - set(in_readme)) == [], "missing from the README's settings tables"
    assert sorted(set(in_readme) - example) == [], "in the README's settings tables but not in .env.example"


def test_readme_settings_start_with_the_public_url():
    """Tracking links and unsubscribe pages in every e-mail are wrong without it."""
    assert _names_in_readme_settings()[0] == "PUBLIC_BASE_URL"
