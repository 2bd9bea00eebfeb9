import pytest


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    """Each test stores uploads in its own directory, so tests can look at (and count) files on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
