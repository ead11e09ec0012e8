"""Fixtures: fresh drivers for tests that sign in and out, and one signed-in driver per demo user
shared by the page-by-page tests. A failing test leaves a screenshot and the page's HTML in
<screenshots>/failures/."""
import urllib.request

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

import handover_browser as hb


class Browsers:
    """One headless Chromium per demo user, signed in on first use ("anonymous" never signs in)."""

    def __init__(self):
        self.drivers = {}
        self.failed = {}
        self.last = None

    def get(self, who):
        if who in self.failed:
            raise AssertionError(f"signing in as {who} failed earlier: {self.failed[who]}")
        if who not in self.drivers:
            driver = hb.new_driver()
            try:
                if who != "anonymous":
                    hb.sign_in(driver, who)
            except BaseException as error:
                self.failed[who] = f"{type(error).__name__}: {error}"
                self.last = None
                hb.save_failure(driver, f"sign-in-{who}")
                driver.quit()
                raise
            self.drivers[who] = driver
        self.last = self.drivers[who]
        hb.set_viewport(self.last, 1280)
        return self.last

    def quit(self):
        for driver in self.drivers.values():
            try:
                driver.quit()
            except Exception:
                pass


@pytest.fixture(scope="session", autouse=True)
def server_has_web_pages():
    """Stops at once, instead of every test timing out, when the server has no sign-in page at all."""
    try:
        with urllib.request.urlopen(hb.url("/login"), timeout=hb.WAIT) as response:
            page = response.read().decode("utf-8", "replace")
    except Exception as error:  # noqa: BLE001
        pytest.exit(f"GET {hb.url('/login')} failed ({error}): the server has no web pages", returncode=1)
    if 'id="login"' not in page:
        pytest.exit(f"GET {hb.url('/login')} has no <form id=\"login\">: the server has no web pages yet", returncode=1)


@pytest.fixture(scope="session")
def browsers():
    pool = Browsers()
    yield pool
    pool.quit()


@pytest.fixture
def driver():
    d = hb.new_driver()
    yield d
    d.quit()


@pytest.fixture
def nojs_driver():
    d = hb.new_driver(javascript=False)
    yield d
    d.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name, value in getattr(item, "funcargs", {}).items():
        if isinstance(value, WebDriver):
            hb.save_failure(value, f"{item.name}-{name}")
        elif isinstance(value, Browsers) and value.last is not None:
            try:
                hb.save_failure(value.last, f"{item.name}-browsers")
            except Exception:
                pass
