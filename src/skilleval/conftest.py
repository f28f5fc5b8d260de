"""Fixtures shared by every app's tests: the real reference data, organisations
in several jurisdictions, and a real browser (Debian's Chromium via Playwright)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def reference(db):
    from skilleval.catalog.services import catalog_load_sample, catalog_seed_reference

    catalog_seed_reference()
    catalog_load_sample()


@pytest.fixture
def jurisdictions(reference):
    from skilleval.catalog.models import Jurisdiction

    return {j.name: j for j in Jurisdiction.objects.all()}


@pytest.fixture
def orgs(jurisdictions):
    from skilleval.orgs.tests.factories import OrganisationFactory

    return {
        "hefei": OrganisationFactory(name="合肥测试机械有限公司", jurisdiction=jurisdictions["合肥市"]),
        "bengbu": OrganisationFactory(name="蚌埠测试仪器有限公司", jurisdiction=jurisdictions["蚌埠市"]),
        "anhui": OrganisationFactory(name="安徽省测试集团有限公司", jurisdiction=jurisdictions["安徽省"]),
        "qingdao": OrganisationFactory(name="青岛测试电子有限公司", jurisdiction=jurisdictions["青岛市"]),
    }


CHROMIUM = os.environ.get("SKILLEVAL_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def _ensure_chromium() -> None:
    """Install Debian's Chromium when it is missing and we may (root with apt);
    otherwise fail with the command to run. Never skip."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, capture_output=True)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到 Chromium（{CHROMIUM}）。请先安装：sudo apt-get install -y chromium", pytrace=False)


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    _ensure_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# ---------------------------------------------------------------------------------------------
# Tests marked `postgresql` (concurrency and faults: row locks, pg_terminate_backend; EXPLAIN plans) run in the
# PostgreSQL run only; on SQLite they are deselected, and the summary says how many and why.

_POSTGRESQL_ONLY = pytest.StashKey[int]()


def _postgresql() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    if _postgresql():
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        config.hook.pytest_deselected(items=deselected)
        config.stash[_POSTGRESQL_ONLY] = len(deselected)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    count = config.stash.get(_POSTGRESQL_ONLY, 0)
    if count:
        terminalreporter.write_line(
            f"{count} PostgreSQL-only tests (concurrency, faults, query plans) deselected on SQLite: "
            "run them with DATABASE_URL=postgresql://…", yellow=True)
