"""Sealed secrets in real Chromium, and interoperability with the CLI against the same server.

The browser seals and opens with Resources/secrets.js and hpke.js; the CLI (the binary the
server runs from, HANDOVER_CLI) with SecretSeal in Swift. Each direction is checked: a secret
sealed in the browser is opened by 'handover secret open' (after the handover step re-wraps it
in the browser) and recovered by the admin's CLI with the recovery key; a secret sealed by
'handover secret add' is opened in the browser. Each browser user keeps one driver for the module,
since their key lives in that browser profile's IndexedDB.

Demo accounts used only here, all Rita's: Website relaunch (handed to Maya), Payroll system admin
account (Maya, her manager, seals a secret to it) and On-call: payments API (handed to Tom).
"""
import json
import os
import secrets as random
import subprocess
import tempfile
from pathlib import Path

import pytest

import handover_browser as hb

CLI = os.environ.get("HANDOVER_CLI", "")
FILL_EDITOR = """
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
for section, fields in doc.items():
    if section.startswith("_"):
        continue
    for key in [k for k in fields if not k.startswith("_")]:
        if fields[key] is None:
            fields[key] = fields["_" + key]["example"]
json.dump(doc, open(path, "w"), indent=2)
"""


class Cli:
    """The handover CLI signed in as one demo user, with its own config and key files."""

    def __init__(self, who, folder):
        self.who = who
        self.config = folder / f"{who}.json"
        self.run("login", "--email", hb.EMAILS[who], "--password-stdin", stdin=hb.PASSWORD + "\n")

    def run(self, *args, stdin=None, ok=True):
        env = dict(os.environ, HANDOVER_CONFIG=str(self.config), HANDOVER_SERVER=hb.BASE_URL)
        env.pop("HANDOVER_KEY_PASSPHRASE", None)
        done = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)
        if ok and done.returncode != 0:
            raise AssertionError(f"{self.who}: handover {' '.join(args)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return done

    def json(self, *args, stdin=None):
        return json.loads(self.run(*args, "--format", "json", stdin=stdin).stdout)


def signed_in_cli(who, prefix):
    """A module fixture's body: the CLI signed in as `who` in a temporary folder, for the module."""
    if not CLI or not os.access(CLI, os.X_OK):
        pytest.fail(f"HANDOVER_CLI is not the handover binary ({CLI!r}): scripts/browser-tests sets it")
    with tempfile.TemporaryDirectory(prefix=prefix) as path:
        yield Cli(who, Path(path))


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory(prefix="handover-secrets-") as path:
        yield Path(path)


@pytest.fixture(scope="module")
def cli(folder):
    """Ada registers the recovery key (so sealing works at all); Maya has a CLI encryption key."""
    if not CLI or not os.access(CLI, os.X_OK):
        pytest.fail(f"HANDOVER_CLI is not the handover binary ({CLI!r}): scripts/browser-tests sets it")
    users = {who: Cli(who, folder) for who in ("ada", "maya", "tom", "rita")}
    users["ada"].run("admin", "recovery-key", "new", "--output", str(folder / "recovery.json"))
    users["maya"].run("key", "new", "--encryption")
    return users


@pytest.fixture(scope="module")
def drivers():
    made = {}

    def get(who):
        if who not in made:
            made[who] = hb.new_driver()
            hb.sign_in(made[who], who)
        hb.set_viewport(made[who], 1280)
        return made[who]
    yield get
    for driver in made.values():
        driver.quit()


def account_id(cli, name):
    listed = cli.json("accounts", "list")
    items = listed["items"] if isinstance(listed, dict) else listed
    return next(a["id"] for a in items if a["name"] == name)


def open_account(driver, account):
    hb.go(driver, f"/accounts/{account}")
    section = hb.find(driver, "section#secrets")
    # The script has run once the no-JavaScript note is hidden.
    hb.wait_until(driver, lambda d: not d.find_element("css selector", "#secrets .no-js").is_displayed(), "secrets.js did not start")
    return section


def browser_key(driver, account):
    """Makes and enrols this browser's key (the button), unless it holds the member's active key."""
    open_account(driver, account)
    hb.wait_until(driver, lambda d: hb.text_content(d.find_element("id", "my-key-here")) or d.find_element("id", "make-browser-key").is_displayed(),
                  "the page did not say whether this browser holds the key")
    if hb.exists(driver, "#make-browser-key") and driver.find_element("id", "make-browser-key").is_displayed():
        hb.submit_and_wait(driver, hb.find(driver, "#make-browser-key"))
    hb.wait_text(driver, "#my-key-here", "This browser holds it.")
    return hb.text_content(hb.find(driver, "#my-key code"))


def add_secret(driver, account, name, system, kind, value):
    open_account(driver, account)
    hb.click(driver, hb.find(driver, "#add-secret-panel > summary"))
    form = hb.find(driver, "form#add-secret")
    hb.fill(driver, form.find_element("id", "secret-name"), name)
    hb.fill(driver, form.find_element("id", "secret-system"), system)
    hb.fill(driver, form.find_element("id", "secret-kind"), kind)
    hb.fill(driver, form.find_element("id", "secret-value"), value)
    hb.submit_and_wait(driver, form.find_element("id", "seal-secret"))
    row = hb.wait_text(driver, "#secret-list tr", name)
    return row.get_attribute("data-secret")


def open_in_browser(driver, account, secret_id):
    """Clicks Open, then Show; returns the value the page shows."""
    open_account(driver, account)
    row = hb.find(driver, f"tr#secret-{secret_id}")
    hb.click(driver, row.find_element("css selector", ".open-secret"))
    hb.wait_until(driver, lambda d: d.find_element("css selector", f"tr#secret-{secret_id} .secret-value").is_displayed(),
                  lambda: f"Open did not show the value: {hb.text_content(driver.find_element('css selector', f'tr#secret-{secret_id} .secret-status'))!r}")
    field = row.find_element("css selector", "textarea.value")
    assert not field.is_displayed(), "the value is shown before 'Show' is pressed"
    hb.click(driver, row.find_element("css selector", ".reveal"))
    assert field.is_displayed(), "'Show' did not show the value"
    return field.get_attribute("value")


def start_handover(cli_user, account, to):
    """A submitted handover of account to `to`, its fields filled with the template's examples."""
    handover = cli_user.json("new", "--account", account, "--to", hb.EMAILS[to])["id"]
    editor = Path(cli_user.config).parent / "fill_editor.py"
    editor.write_text(FILL_EDITOR)
    env_editor = f"python3 {editor}"
    env = dict(os.environ, HANDOVER_CONFIG=str(cli_user.config), HANDOVER_SERVER=hb.BASE_URL, EDITOR=env_editor)
    done = subprocess.run([CLI, "edit", handover, "--interactive"], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, f"edit --interactive failed: {done.stderr}"
    cli_user.run("submit", handover)
    return handover


def api_status(driver, method, path):
    """The status of a same-origin JSON request from the page, with the page's session."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[1], {method: arguments[0], credentials: 'same-origin', headers: {'Content-Type': 'application/json'}})
          .then((r) => done(r.status), (e) => done(String(e)));""", method, path)


def test_sealed_in_the_browser_opened_by_the_cli_after_the_handover_step(cli, drivers):
    rita, rita_cli, maya = drivers("rita"), cli["rita"], cli["maya"]
    website = account_id(rita_cli, "Website relaunch")
    value = "deploy-" + random.token_urlsafe(18)
    secret = add_secret(rita, website, "Website deploy key", "Netlify", "api-key", value)
    assert value not in rita.page_source, "the value is in the page after sealing"
    row = hb.text_content(hb.find(rita, f"tr#secret-{secret}"))
    assert "Netlify" in row and "api-key" in row and hb.NAMES["rita"] in row, f"the row says what it is and who reads it: {row!r}"
    assert open_in_browser(rita, website, secret) == value

    # The handover step, in Rita's browser: re-wrap to Maya's CLI key.
    handover = start_handover(rita_cli, website, "maya")
    hb.go(rita, f"/handovers/{handover}")
    hb.wait_text(rita, "#secrets-pending", "1 secret")
    hb.wait_text(rita, "#secrets-pending", "not sealed to Maya Manager yet")
    hb.submit_and_wait(rita, hb.find(rita, "#seal-to-recipient"))
    hb.wait_text(rita, "#secrets-all-sealed", "Maya Manager holds every secret of the account you can open (1)")

    refused = maya.run("secret", "open", secret, ok=False)
    assert refused.returncode != 0 and "acknowledge" in (refused.stderr + refused.stdout), f"opened before acknowledging: {refused.stdout!r} {refused.stderr!r}"
    assert value not in refused.stdout + refused.stderr
    maya.run("ack", handover, "--synthesis", "I own the website relaunch now, with its deploy key and the open items.")
    assert maya.run("secret", "open", secret).stdout.strip() == value, "the CLI does not open what the browser sealed"
    # The browser's recovery wrap opens with the recovery key's private half in the CLI.
    recovered = cli["ada"].run("secret", "recover", secret, "--recovery-key", str(Path(cli["ada"].config).parent / "recovery.json"))
    assert recovered.stdout.strip() == value, "the recovery key does not open what the browser sealed"


def test_sealed_by_the_cli_opened_in_the_browser(cli, drivers):
    tom = drivers("tom")
    payroll = account_id(cli["maya"], "Payroll system admin account")
    browser_key(tom, payroll)  # Tom's active key is this browser's, so Maya's CLI seals to it
    value = "payroll-" + random.token_urlsafe(18) + "\nsecond line"
    made = cli["maya"].json("secret", "add", "--account", payroll, "--name", "Payroll admin password", "--system", "PayrollCo",
                            "--kind", "password", "--share-with", hb.EMAILS["tom"], stdin=value)
    assert open_in_browser(tom, payroll, made["id"]) == value, "the browser does not open what the CLI sealed"


def test_the_recipient_opens_in_the_browser_once_acknowledged(cli, drivers):
    rita, tom = drivers("rita"), drivers("tom")
    oncall = account_id(cli["rita"], "On-call: payments API")
    browser_key(tom, oncall)
    value = "pager-" + random.token_urlsafe(12)
    secret = add_secret(rita, oncall, "PagerDuty recovery codes", "PagerDuty", "recovery-codes", value)
    handover = start_handover(cli["rita"], oncall, "tom")
    hb.go(rita, f"/handovers/{handover}")
    hb.submit_and_wait(rita, hb.find(rita, "#seal-to-recipient"))
    hb.find(rita, "#secrets-all-sealed")

    hb.go(tom, f"/handovers/{handover}")
    hb.wait_text(tom, "#secrets-for-recipient", "once you acknowledge this handover")
    open_account(tom, oncall)
    row = hb.find(tom, f"tr#secret-{secret}")
    hb.click(tom, row.find_element("css selector", ".open-secret"))
    hb.wait_text(tom, f"tr#secret-{secret} .secret-status", "acknowledged")
    assert value not in tom.page_source

    cli["tom"].run("ack", handover, "--synthesis", "I take over the payments on-call with its PagerDuty recovery codes.")
    hb.go(tom, f"/handovers/{handover}")
    hb.wait_text(tom, "#secrets-for-recipient", "You can open them on")
    assert open_in_browser(tom, oncall, secret) == value
    for width in hb.WIDTHS:
        hb.screenshot(tom, "account-secrets", width)


def test_a_non_reader_sees_no_open_button_and_the_api_refuses(cli, drivers):
    rita, tom = drivers("rita"), drivers("tom")
    website = account_id(cli["tom"], "Website relaunch")
    secret = add_secret(rita, website, "Website analytics token", "Plausible", "api-key", "plausible-" + random.token_urlsafe(10))
    open_account(tom, website)
    row = hb.find(tom, f"tr#secret-{secret}")
    assert not row.find_elements("css selector", ".open-secret"), "a non-reader is offered Open"
    assert "Not sealed to you" in hb.text_content(row)
    assert not hb.exists(tom, "form#add-secret"), "Tom may not add secrets to Rita's account, yet sees the form"
    assert api_status(tom, "POST", f"/api/v1/secrets/{secret}/open") == 403


def test_without_javascript_the_section_points_to_the_cli(cli, nojs_driver):
    hb.sign_in(nojs_driver, "rita")
    website = account_id(cli["rita"], "Website relaunch")
    hb.go(nojs_driver, f"/accounts/{website}")
    note = hb.text_content(hb.find(nojs_driver, "#secrets .no-js"))
    assert "need JavaScript" in note and f"handover secret list --account {website}" in note, note
    assert not nojs_driver.find_element("id", "add-secret-panel").is_displayed(), "the add form shows without JavaScript"
    assert not nojs_driver.find_elements("css selector", ".open-secret:not([hidden])"), "Open is offered without JavaScript"
    hb.find(nojs_driver, "#secret-list")


@pytest.mark.parametrize("who, page", [("rita", "account"), ("maya", "handover")])
def test_secret_pages_are_accessible_and_fit_a_phone(cli, drivers, who, page):
    d = drivers(who)
    if page == "account":
        open_account(d, account_id(cli["rita"], "Website relaunch"))
        hb.click(d, hb.find(d, "#add-secret-panel > summary"))
        hb.click(d, hb.find(d, "#key-fingerprints > summary"))
    else:
        handovers = cli["maya"].json("list")
        items = handovers["items"] if isinstance(handovers, dict) else handovers
        website = account_id(cli["maya"], "Website relaunch")
        hb.go(d, f"/handovers/{next(h['id'] for h in items if h['accountID'] == website)}")
        hb.find(d, "#secrets-step")
    problems = hb.accessibility_problems(d)
    for width in hb.WIDTHS:
        hb.set_viewport(d, width)
        overflow = hb.horizontal_overflow(d, width)
        if overflow:
            problems.append(f"scrolls sideways at {width} px: scrollWidth {overflow}; sticking out: {hb.widest_elements(d, width)}")
        hb.screenshot(d, f"secrets-{page}", width)
    assert not problems, f"{page}: " + "; ".join(problems)


def seal_instead(driver, button, expected, name, check_page=False):
    """Clicks a "Seal it instead" button, checks the suggested value, names the secret and seals it."""
    hb.click(driver, button)
    dialog = hb.find(driver, "dialog#seal-instead")
    hb.wait_until(driver, lambda d: dialog.get_attribute("open") is not None, "the dialog did not open")
    if check_page:
        problems = hb.accessibility_problems(driver)
        for width in hb.WIDTHS:
            hb.set_viewport(driver, width)
            if hb.horizontal_overflow(driver, width):
                problems.append(f"scrolls sideways at {width} px: {hb.widest_elements(driver, width)}")
            hb.screenshot(driver, "seal-instead", width)
        hb.set_viewport(driver, 1280)
        assert not problems, "; ".join(problems)
    suggested = dialog.find_element("id", "seal-instead-value").get_attribute("value")
    assert suggested == expected, f"the dialog suggests {suggested!r}, not the value the field holds"
    assert dialog.find_element("id", "seal-instead-kind").get_attribute("value") == "password"
    hb.fill(driver, dialog.find_element("id", "seal-instead-name"), name)
    hb.fill(driver, dialog.find_element("id", "seal-instead-system"), "PayrollCo")
    hb.click(driver, dialog.find_element("id", "seal-instead-seal"))
    hb.wait_until(driver, lambda d: dialog.get_attribute("open") is None,
                  lambda: f"the dialog stayed open: {hb.text_content(driver.find_element('id', 'seal-instead-status'))!r}")


def test_a_refused_credential_is_sealed_instead_from_the_editor(cli, drivers):
    """Rita pastes a password into her draft: autosave refuses it and offers "Seal it instead";
    the value becomes a sealed secret of the account and the field points to it. Then the same
    through "Save draft" (a whole page refused). The server never gets the value back in a page."""
    rita = drivers("rita")
    payroll = account_id(cli["rita"], "Payroll system admin account")
    handover = cli["rita"].json("new", "--account", payroll, "--to", hb.EMAILS["tom"])["id"]
    first, second = "Tr0ub4dor&" + random.token_hex(3) + "!", "Correct" + random.token_hex(4) + "Horse"
    hb.go(rita, f"/handovers/{handover}")
    field = hb.find(rita, "form#editor textarea")
    hb.fill(rita, field, f"Payroll admin console: the password is '{first}'. Ask IT for the 2FA device.")
    offer = hb.find(rita, "#autosave-offers .seal-instead")
    hb.wait_text(rita, "#autosave-status", "Not saved")
    seal_instead(rita, offer, first, "Payroll admin console password", check_page=True)
    sealed = "the password is '(sealed as the secret “Payroll admin console password”)'. Ask IT"
    hb.wait_until(rita, lambda d: sealed in field.get_attribute("value"), lambda: f"the field now says {field.get_attribute('value')!r}")
    hb.wait_text(rita, "#autosave-status", "Saved at")

    # The whole-page refusal: the offer sits beside the finding, in the alert at the top.
    field_id = field.get_attribute("id")
    hb.fill(rita, field, f"Break-glass account: user payroll-root, password {second}")
    hb.wait_autosave_idle(rita)
    hb.submit_and_wait(rita, hb.find(rita, "form#editor #save"))
    offer = hb.find(rita, ".credential-refused .seal-instead")
    assert offer.is_displayed() and hb.find(rita, ".credential-refused .seal-advice").is_displayed()
    seal_instead(rita, offer, second, "Payroll break-glass password")
    field = hb.find(rita, f"#{field_id}")
    hb.wait_until(rita, lambda d: "(sealed as the secret “Payroll break-glass password”)" in field.get_attribute("value"), "the field was not replaced")
    hb.wait_text(rita, "#autosave-status", "Saved at")

    hb.go(rita, f"/handovers/{handover}")
    assert first not in rita.page_source and second not in rita.page_source
    listed = cli["rita"].json("secret", "list", "--account", payroll)
    listed = {s["name"]: s["id"] for s in (listed["items"] if isinstance(listed, dict) else listed)}
    assert open_in_browser(rita, payroll, listed["Payroll admin console password"]) == first
    assert open_in_browser(rita, payroll, listed["Payroll break-glass password"]) == second
    cli["rita"].run("cancel", handover, "--reason", "Written only to try sealing from the editor.")


def test_rotated_and_shared_in_the_browser_opened_by_the_cli(cli, drivers):
    """Rita rotates a secret in the browser (a new version to the same readers) and shares the
    new value with Maya, whose key is the CLI's: Maya's CLI opens the new value, and the old value
    is gone for everyone."""
    rita = drivers("rita")
    payroll = account_id(cli["rita"], "Payroll system admin account")
    old, new = "old-" + random.token_urlsafe(12), "new-" + random.token_urlsafe(12)
    secret = add_secret(rita, payroll, "Payroll SFTP password", "PayrollCo SFTP", "password", old)
    row = hb.find(rita, f"tr#secret-{secret}")
    hb.click(rita, row.find_element("css selector", ".open-secret"))
    hb.wait_until(rita, lambda d: row.find_element("css selector", ".rotate-secret").is_displayed(), "Rotate is not offered to a reader")
    hb.click(rita, row.find_element("css selector", ".rotate-secret > summary"))
    hb.fill(rita, row.find_element("css selector", ".rotate-form textarea"), new)
    hb.submit_and_wait(rita, row.find_element("css selector", ".rotate-form button[type=submit]"))
    row = hb.wait_text(rita, f"tr#secret-{secret}", "PayrollCo SFTP")
    assert hb.text_content(row.find_element("css selector", "td[data-label=Version]")) == "2"
    assert open_in_browser(rita, payroll, secret) == new

    row = hb.find(rita, f"tr#secret-{secret}")
    hb.click(rita, row.find_element("css selector", ".share-secret > summary"))
    hb.choose(row.find_element("css selector", ".share-form select"), hb.NAMES["maya"])
    hb.submit_and_wait(rita, row.find_element("css selector", ".share-form button[type=submit]"))
    readers = hb.text_content(hb.find(rita, f"tr#secret-{secret} .secret-readers"))
    assert hb.NAMES["maya"] in readers and hb.NAMES["rita"] in readers, readers
    assert cli["maya"].run("secret", "open", secret).stdout.strip() == new, "the CLI does not open what the browser rotated and shared"
