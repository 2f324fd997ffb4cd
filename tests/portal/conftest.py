"""The demo walked once per run for the checks of every page (tests/portal/demo_walk.py)."""

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.portal.demo_walk import VisitedPage, walk_demo


def pytest_collection_modifyitems(config, items):
    # pytest-django sets the test database up only for the tests it sees asking for one.
    for item in items:
        if "demo_pages" in item.fixturenames:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def demo_pages(django_db_setup, django_db_blocker) -> list[VisitedPage]:
    """Loading the demo and walking it takes a minute or more: the pages are kept for every check
    that reads them, and the demo is rolled back at once, as a test's own data would be."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        pages = walk_demo()
        transaction.set_rollback(True)
    cache.clear()
    return pages
