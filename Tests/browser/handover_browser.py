"""Helpers for the real-browser suite: headless Chromium through Selenium, signing in, waiting,
filling forms, screenshots and accessibility smoke checks.

Read by the tests through environment variables that scripts/browser-tests sets:
HANDOVER_BASE_URL (the running demo server), HANDOVER_SCREENSHOTS (folder for PNGs),
HANDOVER_CHROMIUM and HANDOVER_CHROMEDRIVER (binaries; default: found on PATH).
"""
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, WebDriverException, ElementClickInterceptedException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE_URL = os.environ.get("HANDOVER_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
SCREENSHOTS = Path(os.environ.get("HANDOVER_SCREENSHOTS", "ci-artifacts/screenshots")).resolve()
CHROMIUM = os.environ.get("HANDOVER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("HANDOVER_CHROMEDRIVER") or shutil.which("chromedriver")
WAIT = 10  # seconds: the longest any single wait may take
PASSWORD = "handover-demo"
EMAILS = {who: f"{who}@demo.handover.dev" for who in ("ada", "maya", "tom", "rita", "aldo")}
NAMES = {"ada": "Ada Admin", "maya": "Maya Manager", "tom": "Tom Transferor",
         "rita": "Rita Recipient", "aldo": "Aldo Auditor"}
WIDTHS = (1280, 390)
HEIGHT = 900
MAX_SHOT_HEIGHT = 5000


# ---------------------------------------------------------------------------------------------
# Drivers


def new_driver(javascript=True, width=1280, height=HEIGHT):
    options = webdriver.ChromeOptions()
    if CHROMIUM:
        options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--lang=en-US",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    prefs = {"credentials_enable_service": False, "profile.password_manager_enabled": False}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    set_viewport(driver, width, height)
    return driver


def set_viewport(driver, width, height=HEIGHT):
    """An exact CSS viewport (the window's own minimum width is 500 px)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def javascript_runs(driver):
    """True when the page itself can run scripts (execute_script works either way: it uses DevTools)."""
    driver.get("data:text/html,<title>off</title><script>document.title='on'</script>")
    return driver.title == "on"


# ---------------------------------------------------------------------------------------------
# Navigation and waiting


def url(path):
    return BASE_URL + path


def path_of(driver):
    return urlparse(driver.current_url).path


def go(driver, path):
    driver.get(url(path))


def path_of_link(link):
    href = link.get_attribute("href")
    parsed = urlparse(href)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def where(driver):
    return f"{path_of(driver)} (h1: {h1_text(driver)!r})"


def h1_text(driver):
    found = driver.find_elements(By.TAG_NAME, "h1")
    return found[0].text.strip() if found else None


def find(driver, css, timeout=WAIT, what=None):
    try:
        return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
    except TimeoutException:
        raise AssertionError(f"{what or 'element'} `{css}` not found on {where(driver)}{errors_suffix(driver)}") from None


def find_all(driver, css):
    return driver.find_elements(By.CSS_SELECTOR, css)


def exists(driver, css):
    return bool(driver.find_elements(By.CSS_SELECTOR, css))


def wait_until(driver, condition, message, timeout=WAIT):
    try:
        return WebDriverWait(driver, timeout).until(lambda d: condition(d))
    except TimeoutException:
        detail = message() if callable(message) else message
        raise AssertionError(f"{detail} (after {timeout}s on {where(driver)}){errors_suffix(driver)}") from None


def wait_path(driver, pattern, timeout=WAIT):
    regex = re.compile(pattern)
    wait_until(driver, lambda d: regex.fullmatch(path_of(d)),
               lambda: f"expected a path matching {pattern}, got {driver.current_url}", timeout)
    return regex.fullmatch(path_of(driver))


def wait_text(driver, css, expected, timeout=WAIT, exact=False):
    """Waits for an element matching css whose text contains (or equals) expected."""
    def matches(d):
        for element in d.find_elements(By.CSS_SELECTOR, css):
            try:
                texts = (element.text.strip(), text_content(element))
            except WebDriverException:
                continue
            if any((text == expected) if exact else (expected in text) for text in texts):
                return element
        return False

    def message():
        texts = [text_content(e)[:120] for e in driver.find_elements(By.CSS_SELECTOR, css)]
        return f"expected `{css}` with text {'=' if exact else 'containing'} {expected!r}; found {texts or 'no such element'}"
    return wait_until(driver, matches, message, timeout)


def text_content(element):
    """The element's text as in the HTML, whitespace collapsed (.text is the rendered text, which CSS
    may change, e.g. text-transform: uppercase)."""
    return " ".join((element.get_attribute("textContent") or "").split())


def errors_suffix(driver):
    """Form errors (#errors li) on the page, to make a failure message say why."""
    try:
        items = [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "#errors li")]
        flash = [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "#flash")]
    except WebDriverException:
        return ""
    parts = []
    if items:
        parts.append(f"#errors: {items}")
    if any(flash):
        parts.append(f"#flash: {flash}")
    return ("; " + "; ".join(parts)) if parts else ""


def state_of(driver):
    return text_content(find(driver, "#state"))


def wait_state(driver, expected):
    find(driver, "#state")
    wait_text(driver, "#state", expected, exact=True)


# ---------------------------------------------------------------------------------------------
# Acting


def click(driver, element):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click()", element)


def _replaced(old):
    """Like EC.staleness_of, but also accepts Chromium's 'Node … does not belong to the document',
    which newer ChromeDrivers raise instead of StaleElementReferenceException during a navigation."""
    def check(_driver):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return check


def submit_and_wait(driver, button):
    """Clicks a button that submits a form and waits for the next page to load."""
    old = driver.find_element(By.TAG_NAME, "html")
    click(driver, button)
    try:
        WebDriverWait(driver, WAIT).until(_replaced(old))
    except TimeoutException:
        raise AssertionError(f"clicking {describe(button)} did not load a new page "
                             f"(still on {where(driver)}){errors_suffix(driver)}") from None
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")


def describe(element):
    try:
        ident = element.get_attribute("id")
        return f"<{element.tag_name}{' id=' + ident if ident else ''}> {element.text.strip()[:40]!r}"
    except WebDriverException:
        return "element"


def set_value(driver, element, value):
    """Sets a value as a script would (used for date inputs, whose typing format depends on locale)."""
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, value)


def choose(select, wanted):
    """Selects the option whose text is wanted, or else starts with / contains it, or whose value is it."""
    options = select.find_elements(By.TAG_NAME, "option")
    texts = [(o, o.text.strip()) for o in options]
    for test in (lambda t: t == wanted, lambda t: t.startswith(wanted), lambda t: wanted.lower() in t.lower()):
        for option, text in texts:
            if test(text):
                if not option.is_selected():
                    option.click()
                return text
    for option, _ in texts:
        if option.get_attribute("value") == wanted:
            if not option.is_selected():
                option.click()
            return wanted
    raise AssertionError(f"select#{select.get_attribute('id')} has no option {wanted!r}; options: {[t for _, t in texts]}")


def fill(driver, element, value):
    tag = element.tag_name.lower()
    kind = (element.get_attribute("type") or "").lower()
    if tag == "select":
        choose(element, value)
    elif kind == "date":
        set_value(driver, element, value)
    elif kind in ("checkbox", "radio"):
        if bool(value) != element.is_selected():
            click(driver, element)
    else:
        element.clear()
        element.send_keys(value)


def wait_autosave_idle(driver):
    """With JavaScript on, the editor autosaves 1.2 s after typing stops. Posting the form while an
    autosave is in flight sends a version the autosave has just replaced (the server then answers
    409, "changed elsewhere"), so wait until the autosave status (#autosave-status) has settled."""
    if not exists(driver, "#autosave-status"):
        return
    wait_until(driver, lambda d: text_content(d.find_element(By.ID, "autosave-status")) not in ("Unsaved changes", "Saving…"),
               lambda: f"autosave did not settle: #autosave-status says {text_content(driver.find_element(By.ID, 'autosave-status'))!r}")


def sign_in(driver, who):
    go(driver, "/login")
    find(driver, "form#login", what="sign-in form")
    fill(driver, find(driver, "form#login input#email[name=email]"), EMAILS[who])
    fill(driver, find(driver, "form#login input#password[name=password]"), PASSWORD)
    submit_and_wait(driver, find(driver, "form#login button#sign-in"))
    wait_path(driver, "/")


def sign_out(driver):
    submit_and_wait(driver, find(driver, "form#sign-out button", what="sign-out button"))


def link_in(driver, container_css, link_css, text):
    """The first link matching link_css inside container_css whose text contains text."""
    find(driver, container_css)
    links = driver.find_elements(By.CSS_SELECTOR, f"{container_css} {link_css}")
    for link in links:
        if text in link.text:
            return link
    raise AssertionError(f"no `{container_css} {link_css}` containing {text!r} on {where(driver)}; "
                         f"links there: {[l.text.strip()[:80] for l in links]}")


def form_values(driver, form_css):
    """name -> value (checkboxes: True/False) of every named field in a form whose name starts with f."""
    return driver.execute_script("""
        const out = {};
        for (const el of document.querySelectorAll(arguments[0] + ' [name]')) {
          if (!el.name.startsWith('f.')) continue;
          if (el.type === 'checkbox' || el.type === 'radio') out[el.name] = el.checked;
          else out[el.name] = (el.value || '').replace(/\\r\\n/g, '\\n').trim();
        }
        return out;""", form_css)


# ---------------------------------------------------------------------------------------------
# Artifacts and checks


def screenshot(driver, name, width):
    """Saves <name>-<width>.png, as tall as the page (at most MAX_SHOT_HEIGHT px)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_viewport(driver, width, HEIGHT)
    height = driver.execute_script(
        "return Math.max(document.body ? document.body.scrollHeight : 0, document.documentElement.scrollHeight)")
    set_viewport(driver, width, max(HEIGHT, min(int(height or HEIGHT), MAX_SHOT_HEIGHT)))
    path = SCREENSHOTS / f"{name}-{width}.png"
    if not driver.save_screenshot(str(path)):
        raise AssertionError(f"could not save {path}")
    set_viewport(driver, width, HEIGHT)
    return path


def save_failure(driver, name):
    """A screenshot and the HTML of what a driver showed when a test failed."""
    folder = SCREENSHOTS / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]
    try:
        driver.save_screenshot(str(folder / f"{safe}.png"))
        (folder / f"{safe}.html").write_text(f"<!-- {driver.current_url} -->\n" + driver.page_source)
    except WebDriverException:
        pass


ACCESSIBILITY_PROBLEMS = """
const problems = [];
const visible = el => el.checkVisibility ? el.checkVisibility({visibilityProperty: true})
  : (el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden');
const lang = document.documentElement.getAttribute('lang');
if (!lang || !lang.trim()) problems.push('<html> has no lang attribute');
if (!document.title.trim()) problems.push('<title> is empty');
const mains = document.querySelectorAll('main, [role=main]');
if (mains.length === 0) problems.push('no <main> landmark');
if (mains.length > 1) problems.push(mains.length + ' <main> landmarks');
if (!document.querySelector('main#main')) problems.push('no <main id="main">');
const h1s = document.querySelectorAll('h1');
if (h1s.length !== 1) problems.push(h1s.length + ' <h1> elements (want exactly one)');
for (const el of document.querySelectorAll('input, select, textarea')) {
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset', 'image'].includes(type) || !visible(el)) continue;
  const byFor = el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
  const aria = (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
  const wrapped = el.closest('label');
  if (!byFor && !aria && !wrapped) {
    problems.push('unlabelled <' + el.tagName.toLowerCase() + (type ? ' type=' + type : '') +
                  (el.id ? ' id=' + el.id : '') + (el.name ? ' name=' + el.name : '') + '>');
  }
}
for (const el of document.querySelectorAll('button, a[href]')) {
  if (!visible(el)) continue;
  const name = (el.innerText || el.textContent || '').trim() || (el.getAttribute('aria-label') || '').trim() ||
               el.getAttribute('aria-labelledby') || (el.getAttribute('title') || '').trim() ||
               Array.from(el.querySelectorAll('img[alt]')).map(i => i.alt).join('').trim();
  if (!name) problems.push('<' + el.tagName.toLowerCase() + (el.id ? ' id=' + el.id : '') + '> has no accessible name');
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push('<img src=' + img.getAttribute('src') + '> has no alt');
}
return problems;
"""


def accessibility_problems(driver):
    return driver.execute_script(ACCESSIBILITY_PROBLEMS)


def horizontal_overflow(driver, width):
    """scrollWidth when the page is wider than width (+1 px), else None."""
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    return scroll if scroll > width + 1 else None


def widest_elements(driver, width, limit=5):
    """The elements that stick out past the viewport, to say what makes a page scroll sideways."""
    return driver.execute_script("""
        const w = arguments[0], out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > w + 1 && r.width > 0) {
            out.push('<' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                     (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                     '> right=' + Math.round(r.right));
          }
        }
        return out.slice(0, arguments[1]);""", width, limit)


def post_forms_without_csrf(driver):
    return driver.execute_script("""
        return Array.from(document.forms)
          .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'post')
          .filter(f => { const c = f.querySelector('input[name=csrf]'); return !c || c.type !== 'hidden' || !c.value; })
          .map(f => '<form' + (f.id ? ' id=' + f.id : '') + ' action=' + f.getAttribute('action') + '>');""")


def check_layout(driver, name):
    """Screenshots at every width, the accessibility smoke checks, and no sideways scrolling at 390 px."""
    for width in WIDTHS:
        path = screenshot(driver, name, width)
        assert path.stat().st_size > 1000, f"{path} is suspiciously small"
    problems = accessibility_problems(driver)
    set_viewport(driver, 390)
    overflow = horizontal_overflow(driver, 390)
    if overflow:
        problems.append(f"scrolls sideways at 390 px: scrollWidth {overflow}; sticking out: {widest_elements(driver, 390)}")
    set_viewport(driver, 1280)
    assert not problems, f"{name}: " + "; ".join(problems)
