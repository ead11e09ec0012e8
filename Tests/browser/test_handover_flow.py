"""The web pages in a real browser (headless Chromium), against `handover serve --demo`.

Run through scripts/browser-tests, which starts the server and sets HANDOVER_BASE_URL. Tests run in
file order: the flow first (it creates the completed Initech handover that the screenshot and
accessibility tests show); those tests run the flow themselves when it has not run yet.
"""
import re
import secrets
from datetime import date, timedelta

import pytest
from selenium.webdriver.common.by import By

import handover_browser as hb

STATE = {}  # "completed": id of the handover the flow completed; "flow_error": why it did not

CHECKLIST = [
    "Tell the customer about the change and why",
    "Schedule the introduction call",
    "Introduce the recipient by email in an existing thread",
    "Share the recipient's direct contact details",
    "Update the account owner in the CRM",
    "Tell support and billing who now owns the account",
]
SUMMARY = "Initech is a 300-person software company in Austin; their finance team runs month-end close with us."
SENTIMENT = "Happy but tired of the quarterly import bug"
QUESTION = "Who at Initech signs the renewal order form, and do they expect a call first?"
SYNTHESIS = ("I now own Initech: finance runs month-end close on Ledger Pro, renewal comes with a 60-day "
             "notice, Peter approves spend and wants email in the morning, and chasing the import fix is mine.")


def customer_account_values(today):
    """Element id -> value for the customer-account editor, enough for a clean lint (score 100)."""
    due = (today + timedelta(days=45)).isoformat()
    renewal = (today + timedelta(days=200)).isoformat()
    decided = (today - timedelta(days=120)).isoformat()
    values = {
        "f-overview-summary": SUMMARY,
        "f-overview-successCriteria": "Close the books in three days instead of seven.",
        "f-usage-products": "- Ledger Pro, 40 seats\n- Forecasting add-on (bought, barely used)",
        "f-usage-usageNotes": "Nightly sync with their ERP; the CSV import error comes back every quarter.",
        "f-renewal-renewalDate": renewal,
        "f-renewal-contractTerms": "Two-year term, 60-day notice period, uplift capped at 5 percent.",
        "f-renewal-renewalOutlook": "Likely to renew once the import bug is fixed",
        "f-openWork-openItems-0-title": "Fix the quarterly CSV import",
        "f-openWork-openItems-0-owner": "Rita Recipient",
        "f-openWork-openItems-0-due": due,
        "f-openWork-openItems-0-status": "open",
        "f-openWork-openItems-0-notes": "Engineering ticket is linked from the CRM record.",
        "f-openWork-currentProjects": "Forecasting pilot with their planning team; next milestone in six weeks.",
        "f-history-relationshipHistory": "Signed in 2024 after a two-month trial. One outage in March, one month credited.",
        "f-contacts-keyContacts-0-name": "Peter Gibbons",
        "f-contacts-keyContacts-0-role": "Sponsor; approves spend",
        "f-contacts-keyContacts-0-email": "peter.gibbons@initech.example",
        "f-contacts-keyContacts-0-phone": "+1 512 555 0100",
        "f-contacts-keyContacts-0-preference": "Email, mornings",
        "f-contacts-keyContacts-0-notes": "Prefers short written updates.",
        "f-contacts-contactNotes": "Copy Bill on anything about price.",
        "f-risks-worries": "Budget review next quarter; they fear the import bug delays month-end close.",
        "f-risks-sentiment": SENTIMENT,
        "f-risks-riskSignals": "Peter may move teams; watch for quieter weekly calls.",
        "f-decisions-pastDecisions-0-decision": "Waived the setup fee",
        "f-decisions-pastDecisions-0-rationale": "Won the two-year term against a competitor",
        "f-decisions-pastDecisions-0-date": decided,
    }
    for index in range(len(CHECKLIST)):
        values[f"f-contacts-warmIntroduction-{index}-done"] = True
    return values


def fill_editor(driver, values):
    hb.find(driver, "form#editor", what="editor form")
    missing, problems = [], []
    for element_id, value in values.items():
        found = hb.find_all(driver, f"form#editor [id='{element_id}']")
        if not found:
            missing.append(element_id)
            continue
        element = found[0]
        expected_name = element_id.replace("-", ".", 1).replace("-", ".")
        if element.get_attribute("name") != expected_name:
            problems.append(f"#{element_id} has name={element.get_attribute('name')!r}, want {expected_name!r}")
        if element_id.endswith(("-renewalDate", "-due", "-date")) and element.get_attribute("type") != "date":
            problems.append(f"#{element_id} is type={element.get_attribute('type')!r}, want date")
        hb.fill(driver, element, value)
    for index, option in enumerate(CHECKLIST):
        labels = hb.find_all(driver, f"label[for='f-contacts-warmIntroduction-{index}-done']")
        if not labels or option not in labels[0].text:
            problems.append(f"checkbox {index} has no label containing {option!r}")
    assert not missing, f"editor fields not found (by id): {missing}"
    assert not problems, f"editor fields differ from the contract: {problems}"


def lint_state(driver):
    score = hb.find(driver, "aside#lint #lint-score", what="lint score").text.strip()
    findings = [f.text.strip() for f in hb.find_all(driver, "aside#lint li.finding")]
    return score, findings


def run_flow(driver):
    """Tom hands Initech Software to Rita in the browser, up to completion. Returns the handover id."""
    # Tom signs in and starts a handover from the navigation.
    hb.sign_in(driver, "tom")
    hb.click(driver, hb.find(driver, "a#nav-new", what="New handover link"))
    hb.wait_path(driver, "/handovers/new")
    hb.find(driver, "form#new-handover")
    hb.choose(hb.find(driver, "form#new-handover select#account[name=account]"), "Initech Software")
    hb.choose(hb.find(driver, "form#new-handover select#recipient[name=recipient]"), "Rita Recipient")
    hb.choose(hb.find(driver, "form#new-handover select#template[name=template]"), "Customer account")
    hb.submit_and_wait(driver, hb.find(driver, "form#new-handover button#create"))
    handover_id = hb.wait_path(driver, r"/handovers/([^/]+)").group(1)
    assert handover_id != "new", f"create stayed on the form{hb.errors_suffix(driver)}"
    hb.wait_state(driver, "draft")

    # The empty editor shows lint findings naming fields by their labels, not their paths.
    score, findings = lint_state(driver)
    assert score.isdigit() and int(score) < 100, f"a new empty handover should not score 100 (#lint-score {score!r})"
    assert any("Who the customer is" in f for f in findings), f"no li.finding names 'Who the customer is': {findings}"
    assert not any("overview.summary" in f for f in findings), f"a finding shows the internal path overview.summary: {findings}"

    # Fill the editor until lint is clean, save, submit.
    fill_editor(driver, customer_account_values(date.today()))
    # What was pre-filled from the profile and typed again unchanged is checked, not edited.
    for box in hb.find_all(driver, "form#editor input[id^=reviewed-]"):
        hb.click(driver, box)
    hb.wait_autosave_idle(driver)
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_text(driver, "#flash", "Saved")
    score, findings = lint_state(driver)
    assert score == "100" and not findings, f"lint after saving: score {score!r}, findings {findings}"
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#submit"))
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_state(driver, "submitted")

    # Tom signs off as transferor with a key this browser makes (WebCrypto Ed25519) and enrols.
    sign_off(driver, handover_id, "transferor")

    # Tom signs out; the next page he asks for is the sign-in page.
    hb.sign_out(driver)
    hb.go(driver, "/")
    hb.wait_path(driver, "/login")

    # Rita finds it waiting for her on Home and reads it.
    hb.sign_in(driver, "rita")
    link = hb.link_in(driver, "section#waiting", "a.handover-link", "Initech Software")
    assert link.get_attribute("href").endswith(f"/handovers/{handover_id}"), \
        f"waiting link points to {link.get_attribute('href')}, want /handovers/{handover_id}"
    hb.click(driver, link)
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_state(driver, "submitted")
    hb.wait_text(driver, "section#packet", SUMMARY)
    hb.wait_text(driver, "section#packet", SENTIMENT)
    # She reads before she acts: the packet comes before the acknowledgement, which a link reaches.
    follows = driver.execute_script(
        "return !!(document.querySelector('section#packet').compareDocumentPosition(document.querySelector('form#acknowledge')) & Node.DOCUMENT_POSITION_FOLLOWING)")
    assert follows, "the acknowledge form comes before the packet"
    assert hb.find(driver, "a#to-acknowledge").get_attribute("href").endswith("#acknowledge")

    # She asks the transferor a question; it shows in the thread.
    hb.fill(driver, hb.find(driver, "form#ask textarea#question[name=question]"), QUESTION)
    hb.submit_and_wait(driver, hb.find(driver, "form#ask button#ask-button"))
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_text(driver, "ol#questions li.question", QUESTION)

    # She acknowledges in her own words, then completes.
    hb.fill(driver, hb.find(driver, "form#acknowledge textarea#synthesis[name=synthesis]"), SYNTHESIS)
    hb.submit_and_wait(driver, hb.find(driver, "form#acknowledge button#acknowledge-button"))
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_state(driver, "acknowledged")
    # Completion waits for her signature; the flash and the status line say so (NextStep), and
    # neither offers completion yet. She signs, then completes.
    hb.find(driver, "#complete-waiting", what="note that completion waits for sign-offs")
    assert not driver.find_elements(By.CSS_SELECTOR, "form#complete"), "the complete form shows before every sign-off is in"
    assert "omplete" not in hb.find(driver, "#flash").text, f"the flash offers completion: {hb.find(driver, '#flash').text!r}"
    hb.wait_text(driver, "#next-step .your-step", "sign it off as recipient")
    assert "complete it" not in hb.find(driver, "#next-step").text, "the status line offers completion before the sign-offs"
    assert hb.find(driver, "#next-step .your-step a").get_attribute("href").endswith("#signoff")
    sign_off(driver, handover_id, "recipient")
    hb.wait_text(driver, "#next-step .your-step", "complete it")
    hb.submit_and_wait(driver, hb.find(driver, "form#complete button#complete-button"))
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_state(driver, "completed")
    history = hb.find_all(driver, "ol#history li")
    assert len(history) >= 4, f"ol#history has {len(history)} entries after create/submit/acknowledge/complete"
    report = hb.find(driver, "a#report-link").get_attribute("href")
    assert report.endswith(f"/handovers/{handover_id}/report"), f"a#report-link points to {report}"

    # The certificate of completion names both signatures and checks out.
    hb.click(driver, hb.find(driver, "a#certificate-link", what="certificate link"))
    hb.wait_path(driver, f"/handovers/{handover_id}/certificate")
    hb.wait_text(driver, "#certificate-check", "2 signatures valid")
    timeline = hb.find(driver, "ol#certificate-timeline").text
    for event in ("Sent", "Viewed", "Acknowledged", "Signed", "Completed"):
        assert event in timeline, f"the certificate's timeline lacks {event}: {timeline!r}"
    return handover_id


def sign_off(driver, handover_id, role):
    """Signs the handover on its page with the browser's key, and checks the page shows it."""
    form = hb.find(driver, "form#signoff", what="sign-off form")
    assert role in hb.find(driver, "form#signoff p").text, f"the sign-off form does not say it signs as {role}"
    hb.submit_and_wait(driver, hb.find(driver, "form#signoff button#sign-button"))
    hb.wait_path(driver, f"/handovers/{handover_id}")
    hb.wait_text(driver, "#flash", f"Signed as {role}")
    hb.wait_text(driver, f"li#signoff-{role}", "signed by")
    assert form is not None


def ensure_completed():
    """The id of the handover the flow completed, running the flow now if no test did yet."""
    if "completed" not in STATE and "flow_error" not in STATE:
        driver = hb.new_driver()
        try:
            STATE["completed"] = run_flow(driver)
        except Exception as error:  # noqa: BLE001 - reported below
            STATE["flow_error"] = f"{type(error).__name__}: {error}"
            hb.save_failure(driver, "flow-for-pages")
        finally:
            driver.quit()
    if "completed" not in STATE:
        pytest.fail(f"needs the completed handover from the flow, which failed: {STATE['flow_error']}")
    return STATE["completed"]


# ---------------------------------------------------------------------------------------------
# Signing in and out


def test_signed_out_visitor_is_sent_to_login(driver):
    for path in ("/", "/accounts", "/handovers/new"):
        hb.go(driver, path)
        hb.wait_path(driver, "/login")
    hb.find(driver, "form#login input#email[name=email]")
    hb.find(driver, "form#login input#password[name=password]")
    hb.find(driver, "form#login button#sign-in")


def test_wrong_password_shows_errors(driver):
    hb.go(driver, "/login")
    hb.fill(driver, hb.find(driver, "input#email"), hb.EMAILS["tom"])
    hb.fill(driver, hb.find(driver, "input#password"), "not-the-password")
    hb.submit_and_wait(driver, hb.find(driver, "button#sign-in"))
    hb.wait_path(driver, "/login")
    errors = hb.find(driver, "#errors", what="error list")
    assert errors.get_attribute("role") == "alert", f"#errors has role={errors.get_attribute('role')!r}"
    assert hb.find_all(driver, "#errors li"), "#errors has no li items"
    hb.go(driver, "/")
    hb.wait_path(driver, "/login")


# ---------------------------------------------------------------------------------------------
# a. The whole flow


def test_flow_tom_hands_initech_to_rita(driver):
    try:
        handover_id = run_flow(driver)
    except BaseException as error:
        STATE["flow_error"] = f"{type(error).__name__}: {error}"
        raise
    STATE["completed"] = handover_id

    # The account page shows Rita as the owner and both owners in the chain.
    hb.click(driver, hb.find(driver, "a#nav-accounts"))
    hb.wait_path(driver, "/accounts")
    hb.click(driver, hb.link_in(driver, "table#accounts", "a.account-link", "Initech Software"))
    hb.wait_path(driver, r"/accounts/[^/]+")
    hb.wait_text(driver, "#account-owner", hb.NAMES["rita"])
    chain = [li.text for li in hb.find_all(driver, "ol#owner-chain li")]
    for name in (hb.NAMES["tom"], hb.NAMES["rita"]):
        assert any(name in text for text in chain), f"ol#owner-chain does not list {name}: {chain}"
    links = [a.get_attribute("href") for a in hb.find_all(driver, "section#account-handovers a.handover-link")]
    assert any(href.endswith(f"/handovers/{handover_id}") for href in links), \
        f"section#account-handovers does not link /handovers/{handover_id}: {links}"


# ---------------------------------------------------------------------------------------------
# Home, navigation, accounts


def test_home_sections_and_navigation(browsers):
    tom = browsers.get("tom")
    hb.go(tom, "/")
    for section in ("section#waiting", "section#drafts", "section#overdue"):
        hb.find(tom, section)
    assert not hb.exists(tom, "section#team"), "Tom (a member) sees section#team, which is for managers"
    hb.link_in(tom, "section#drafts", "a.handover-link", "Acme Logistics")
    for ident, href in (("nav-home", "/"), ("nav-accounts", "/accounts"), ("nav-new", "/handovers/new")):
        link = hb.find(tom, f"a#{ident}")
        assert link.get_attribute("href") == hb.url(href), f"a#{ident} points to {link.get_attribute('href')}"
    assert not hb.exists(tom, "a#nav-admin"), "Tom (a member) sees a#nav-admin"

    maya = browsers.get("maya")
    hb.go(maya, "/")
    hb.find(maya, "section#team", what="managers' team section")

    ada = browsers.get("ada")
    hb.go(ada, "/")
    assert hb.find(ada, "a#nav-admin").get_attribute("href") == hb.url("/admin")


def test_accounts_filter(browsers):
    tom = browsers.get("tom")
    hb.go(tom, "/accounts")
    for css in ("select#kind[name=kind]", "select#owner[name=owner]", "input#tag[name=tag]"):
        hb.find(tom, f"form#account-filters {css}")
    names = [a.text.strip() for a in hb.find_all(tom, "table#accounts a.account-link")]
    for name in ("Acme Logistics", "Globex Retail", "Ward 4, bed 12"):
        assert name in names, f"table#accounts does not list {name!r}: {names}"
    hb.fill(tom, hb.find(tom, "form#account-filters input#q[name=q]"), "Globex")
    hb.submit_and_wait(tom, hb.find(tom, "form#account-filters button#filter"))
    hb.wait_path(tom, "/accounts")
    assert "q=Globex" in tom.current_url, f"the filter form is not a GET to /accounts: {tom.current_url}"
    names = [a.text.strip() for a in hb.find_all(tom, "table#accounts a.account-link")]
    assert names and all("Globex" in n for n in names), f"filtered by q=Globex, the table lists {names}"


# ---------------------------------------------------------------------------------------------
# b. Without JavaScript


def test_no_javascript_sign_in_home_and_pages(nojs_driver):
    d = nojs_driver
    assert not hb.javascript_runs(d), "the no-JavaScript browser still runs scripts"
    hb.sign_in(d, "tom")
    assert hb.h1_text(d), "Home has no <h1>"
    hb.find(d, "section#waiting")
    hb.link_in(d, "section#drafts", "a.handover-link", "Acme Logistics")
    for path, css in (("/accounts", "table#accounts a.account-link"), ("/handovers/new", "form#new-handover button#create")):
        hb.go(d, path)
        hb.wait_path(d, path)
        hb.find(d, css)
    hb.sign_out(d)
    hb.go(d, "/")
    hb.wait_path(d, "/login")


def test_no_javascript_editor_save_round_trip(nojs_driver):
    d = nojs_driver
    assert not hb.javascript_runs(d), "the no-JavaScript browser still runs scripts"
    hb.sign_in(d, "tom")
    hb.click(d, hb.link_in(d, "section#drafts", "a.handover-link", "Acme Logistics"))
    path = hb.wait_path(d, r"/handovers/[^/]+").group(0)
    hb.wait_state(d, "draft")
    hb.find(d, "form#editor")
    before = hb.form_values(d, "form#editor")
    assert before, "form#editor has no fields named f.…"
    sentiment = f"Steady; saved without JavaScript ({secrets.token_hex(3)})"
    field = hb.find(d, "form#editor input#f-risks-sentiment[name='f.risks.sentiment']")
    hb.fill(d, field, sentiment)
    hb.submit_and_wait(d, hb.find(d, "form#editor button#save"))
    hb.wait_path(d, path)
    hb.wait_text(d, "#flash", "Saved")
    after = hb.form_values(d, "form#editor")
    assert after.get("f.risks.sentiment") == sentiment, \
        f"f.risks.sentiment after saving: {after.get('f.risks.sentiment')!r}, want {sentiment!r}"
    before["f.risks.sentiment"] = sentiment
    changed = {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
    assert not changed, f"saving changed fields it should have kept (before, after): {changed}"


# ---------------------------------------------------------------------------------------------
# c, d. Every main page: screenshots at 1280 and 390 px, accessibility smoke checks, CSRF fields

PAGES = ["sign-in", "home", "accounts", "account", "new-handover", "editor", "review", "completed",
         "admin", "report", "certificate"]


def open_page(browsers, page):
    """Loads a main page as the user who would see it and returns that user's driver."""
    if page == "sign-in":
        d = browsers.get("anonymous")
        hb.go(d, "/login")
        hb.find(d, "form#login")
    elif page == "home":
        d = browsers.get("tom")
        hb.go(d, "/")
        hb.find(d, "section#drafts")
    elif page == "accounts":
        d = browsers.get("tom")
        hb.go(d, "/accounts")
        hb.find(d, "table#accounts")
    elif page == "account":
        d = browsers.get("tom")
        hb.go(d, "/accounts")
        hb.go(d, hb.path_of_link(hb.link_in(d, "table#accounts", "a.account-link", "Acme Logistics")))
        hb.find(d, "#account-owner")
    elif page == "new-handover":
        d = browsers.get("tom")
        hb.go(d, "/handovers/new")
        hb.find(d, "form#new-handover")
    elif page == "editor":
        d = browsers.get("tom")
        hb.go(d, "/")
        hb.go(d, hb.path_of_link(hb.link_in(d, "section#drafts", "a.handover-link", "Acme Logistics")))
        hb.find(d, "form#editor")
    elif page == "review":
        d = browsers.get("rita")
        hb.go(d, "/")
        hb.go(d, hb.path_of_link(hb.link_in(d, "section#waiting", "a.handover-link", "Globex Retail")))
        hb.find(d, "section#packet")
    elif page == "completed":
        handover_id = ensure_completed()
        d = browsers.get("tom")
        hb.go(d, f"/handovers/{handover_id}")
        hb.wait_state(d, "completed")
        hb.find(d, "ol#history li")
    elif page == "admin":
        d = browsers.get("ada")
        hb.go(d, "/admin")
        hb.find(d, "table#members")
    elif page == "report":
        handover_id = ensure_completed()
        d = browsers.get("tom")
        hb.go(d, f"/handovers/{handover_id}/report")
        hb.wait_text(d, "h1", "Initech Software")
    elif page == "certificate":
        handover_id = ensure_completed()
        d = browsers.get("tom")
        hb.go(d, f"/handovers/{handover_id}/certificate")
        hb.wait_text(d, "#certificate-check", "signatures valid")
    else:
        raise ValueError(page)
    return d


@pytest.mark.parametrize("page", PAGES)
def test_screenshots(browsers, page):
    d = open_page(browsers, page)
    for width in hb.WIDTHS:
        path = hb.screenshot(d, page, width)
        assert path.stat().st_size > 1000, f"{path} is suspiciously small"


@pytest.mark.parametrize("page", PAGES)
def test_accessibility(browsers, page):
    d = open_page(browsers, page)
    problems = hb.accessibility_problems(d)
    hb.set_viewport(d, 390)
    overflow = hb.horizontal_overflow(d, 390)
    if overflow:
        problems.append(f"scrolls sideways at 390 px: scrollWidth {overflow}; "
                        f"sticking out: {hb.widest_elements(d, 390)}")
    hb.set_viewport(d, 1280)
    assert not problems, f"{page} ({hb.path_of(d)}): " + "; ".join(problems)


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("sign-in", "report")])
def test_post_forms_carry_csrf(browsers, page):
    d = open_page(browsers, page)
    missing = hb.post_forms_without_csrf(d)
    assert not missing, f"POST forms without a hidden csrf value on {page}: {missing}"


def test_admin_page_forms(browsers):
    d = open_page(browsers, "admin")
    for css in ("form#add-member", "form#new-token", "form#add-template textarea#template-json[name=template]"):
        hb.find(d, css)
    rows = [r.text for r in hb.find_all(d, "table#members tr")]
    assert any(hb.NAMES["rita"] in r for r in rows), f"table#members does not list {hb.NAMES['rita']}"


# ---------------------------------------------------------------------------------------------
# e. Signing out


def test_sign_out(driver):
    hb.sign_in(driver, "maya")
    hb.sign_out(driver)
    hb.go(driver, "/")
    hb.wait_path(driver, "/login")


def test_sign_out_ends_the_session_on_the_server(driver):
    hb.sign_in(driver, "maya")
    cookies = driver.get_cookies()
    hb.sign_out(driver)
    driver.delete_all_cookies()
    for cookie in cookies:
        driver.add_cookie({k: v for k, v in cookie.items() if k in ("name", "value", "path", "secure", "httpOnly")})
    hb.go(driver, "/")
    hb.wait_path(driver, "/login")


# ---------------------------------------------------------------------------------------------
# Issue 13, "The first hour": where a new user got stuck

PATH_LIKE = re.compile(r"\b[a-z]+[A-Z]?[a-z]*\.[a-z]+[A-Za-z]*(\[\d+\])?\b")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def active_id(driver):
    return driver.execute_script("return document.activeElement && document.activeElement.id")


def test_a_refused_create_names_the_account_links_the_open_handover_and_keeps_the_choices(driver):
    hb.sign_in(driver, "tom")
    hb.go(driver, "/handovers/new")
    hb.choose(hb.find(driver, "form#new-handover select#account"), "Acme Logistics")
    # Not the first recipient, not the account kind's default template: both must survive the refusal.
    recipients = hb.find(driver, "form#new-handover select#recipient").find_elements(By.TAG_NAME, "option")
    recipient = recipients[-1].text.strip()
    hb.choose(hb.find(driver, "form#new-handover select#recipient"), recipient)
    hb.choose(hb.find(driver, "form#new-handover select#template"), "I-PASS")
    hb.submit_and_wait(driver, hb.find(driver, "form#new-handover button#create"))
    hb.wait_text(driver, "#errors", "Acme Logistics already has an open handover")
    assert "01" not in hb.find(driver, "#errors p").text, f"the refusal names a raw id: {hb.find(driver, '#errors p').text!r}"
    selected = {name: driver.execute_script(
        "var s = document.querySelector(arguments[0]); return s.options[s.selectedIndex].text", f"select#{name}")
        for name in ("account", "recipient", "template")}
    assert selected["account"] == "Acme Logistics" and selected["recipient"] == recipient and "I-PASS" in selected["template"], \
        f"the refused form lost its choices: {selected}"
    link = hb.find(driver, "a#open-handover-link", what="link to the open handover")
    open_path = hb.path_of_link(link)
    hb.click(driver, link)
    hb.wait_path(driver, open_path)
    hb.wait_text(driver, "h1", "Acme Logistics")

    # The account page shows the open handover (link, state, recipient) instead of the button.
    hb.click(driver, hb.find(driver, "p.breadcrumb a"))
    hb.wait_path(driver, r"/accounts/[^/]+")
    box = hb.find(driver, "#open-handover", what="the account's open handover")
    assert not hb.exists(driver, "a#begin-handover"), "the account page still offers 'Hand over this account'"
    assert hb.path_of_link(box.find_element(By.CSS_SELECTOR, "a.handover-link")) == open_path
    assert box.find_elements(By.CSS_SELECTOR, ".state-draft") and hb.NAMES["rita"] in box.text, f"#open-handover says {box.text!r}"


def test_lint_findings_use_labels_follow_the_form_link_and_focus_their_fields(driver):
    hb.sign_in(driver, "tom")
    hb.click(driver, hb.link_in(driver, "section#drafts", "a.handover-link", "Acme Logistics"))
    hb.wait_path(driver, r"/handovers/[^/]+")
    links = hb.find_all(driver, "aside#lint li.finding a")
    assert links, "no finding links to its field"
    texts = [f.text for f in hb.find_all(driver, "aside#lint li.finding")]
    assert not [t for t in texts if PATH_LIKE.search(t.split(":")[0])], f"findings lead with internal paths: {texts}"
    assert not [t for t in texts if " is is " in t], f"'is is' in findings: {texts}"
    # Form order: each finding's field comes at or after the previous one's in the form.
    targets = [hb.find(driver, f"form#editor [id='{a.get_attribute('href').split('#')[1]}']") for a in links]
    out_of_order = driver.execute_script(
        "var t = arguments[0]; for (var i = 1; i < t.length; i++) {"
        " if (t[i] !== t[i-1] && (t[i].compareDocumentPosition(t[i-1]) & Node.DOCUMENT_POSITION_FOLLOWING)) return i; } return -1;", targets)
    assert out_of_order == -1, f"finding {out_of_order} comes before its predecessor's field in the form: {texts}"
    explanation = hb.find(driver, "#lint-explanation").text
    assert re.match(r"^\d+/100", explanation) and "points" in explanation, f"the score does not explain itself: {explanation!r}"
    # A finding's link moves the focus to its field.
    last = links[-1]
    wanted = last.get_attribute("href").split("#")[1]
    hb.click(driver, last)
    hb.wait_until(driver, lambda d: active_id(d) == wanted, lambda: f"focus is on #{active_id(driver)}, want #{wanted}")

    # On a phone the panel starts closed, its summary showing the score; wide, it is open.
    path = hb.path_of(driver)
    hb.set_viewport(driver, 390)
    hb.go(driver, path)
    hb.find(driver, "#lint-details summary #lint-score")
    assert driver.execute_script("return document.getElementById('lint-details').open") is False, "the lint panel is open at 390 px"
    hb.set_viewport(driver, 1280)
    hb.go(driver, path)
    hb.find(driver, "#lint-details")
    assert driver.execute_script("return document.getElementById('lint-details').open") is True, "the lint panel is closed at 1280 px"

    # A refused submit says so once, pointing to the panel: the findings are not listed twice.
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#submit"))
    hb.wait_text(driver, "#errors", "Not submitted yet")
    assert not hb.find_all(driver, "#errors li"), "the refused submit lists the findings above the form as well"
    assert "Please fix" not in hb.find(driver, "#errors").text
    hb.wait_state(driver, "draft")


def test_a_pasted_credential_is_refused_at_its_field_and_the_typed_text_kept(driver):
    """Issue 14, part 6: a save holding something that looks like a credential stores nothing; the
    editor comes back with the text as typed, says which field and what kind, links to the field,
    and says what to write instead; the value itself is not repeated in the message."""
    hb.sign_in(driver, "tom")
    hb.click(driver, hb.link_in(driver, "section#drafts", "a.handover-link", "Acme Logistics"))
    path = hb.wait_path(driver, r"/handovers/[^/]+").group(0)
    field = hb.find(driver, "form#editor textarea")
    field_id = field.get_attribute("id")
    before = field.get_attribute("value")
    key = "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    typed = f"Deploys use the key {key} from the shared laptop {secrets.token_hex(3)}"
    hb.fill(driver, field, typed)
    # The autosave is refused too, and says why in its status line.
    hb.wait_text(driver, "#autosave-status", "looks like an AWS access key")
    assert key not in hb.find(driver, "#autosave-status").text
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    hb.wait_text(driver, "#errors", "Not saved")
    errors = hb.find(driver, "#errors")
    assert "looks like an AWS access key" in errors.text and "where it lives" in errors.text, errors.text
    assert "Please fix" not in errors.text and key not in errors.text, errors.text
    assert hb.find(driver, f"form#editor [id='{field_id}']").get_attribute("value") == typed, "the refusal lost the typed text"
    hb.wait_state(driver, "draft")
    assert not hb.accessibility_problems(driver), hb.accessibility_problems(driver)
    for width in (390, 1280):
        hb.screenshot(driver, "credential-refused", width)
    link = hb.find(driver, "#errors li a", what="link from the message to its field")
    assert link.get_attribute("href").split("#")[1] == field_id
    hb.click(driver, link)
    hb.wait_until(driver, lambda d: active_id(d) == field_id, lambda: f"focus is on #{active_id(driver)}, want #{field_id}")
    # Nothing was stored: the saved text is what it was.
    hb.go(driver, path)
    assert hb.find(driver, f"form#editor [id='{field_id}']").get_attribute("value") == before


def test_no_javascript_lint_panel_is_open_with_links(nojs_driver):
    d = nojs_driver
    hb.set_viewport(d, 390)
    hb.sign_in(d, "tom")
    hb.click(d, hb.link_in(d, "section#drafts", "a.handover-link", "Acme Logistics"))
    hb.wait_path(d, r"/handovers/[^/]+")
    assert d.execute_script("return document.getElementById('lint-details').open") is True, "without JavaScript the panel must stay open"
    assert hb.find_all(d, "aside#lint li.finding a"), "no finding links without JavaScript"
    hb.set_viewport(d, 1280)


def fill_everything(driver):
    """Fills every field of the editor (the first row of each list) by script, without input events."""
    driver.execute_script("""
        var form = document.getElementById('editor'), day = arguments[0];
        for (var i = 0; i < form.elements.length; i++) {
          var el = form.elements[i], parts = (el.name || '').split('.');
          if (parts[0] !== 'f') continue;
          if (el.type === 'checkbox') { el.checked = true; continue; }
          if (parts.length === 5 && parts[3] !== '0') continue;
          if (el.type === 'date') el.value = day;
          else if (el.type === 'email') el.value = 'someone@example.com';
          else if (el.type === 'tel') el.value = '+1 555 0100';
          else if (el.tagName === 'TEXTAREA' || el.type === 'text') el.value = 'Written for the browser test (' + parts.slice(1).join(' ') + ')';
        }""", (date.today() + timedelta(days=30)).isoformat())


def test_a_save_from_a_stale_tab_keeps_what_was_typed(driver):
    hb.sign_in(driver, "tom")
    hb.go(driver, "/handovers/new")
    hb.choose(hb.find(driver, "form#new-handover select#account"), "Ward 4, bed 12")
    hb.choose(hb.find(driver, "form#new-handover select#recipient"), "Rita Recipient")
    hb.submit_and_wait(driver, hb.find(driver, "form#new-handover button#create"))
    path = hb.wait_path(driver, r"/handovers/[^/n][^/]*").group(0)
    fill_everything(driver)
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    hb.wait_text(driver, "#flash", "Saved")
    first = driver.current_window_handle

    # A second tab saves a change: the first tab's save is held back, its text kept, a reload offered.
    driver.switch_to.new_window("tab")
    second = driver.current_window_handle
    hb.go(driver, path)
    field = hb.find(driver, "form#editor textarea")
    field_id = field.get_attribute("id")
    hb.fill(driver, field, "Changed in the second tab")
    hb.wait_autosave_idle(driver)
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    hb.wait_text(driver, "#flash", "Saved")

    driver.switch_to.window(first)
    mine = f"Typed in the first tab {secrets.token_hex(3)}"
    hb.fill(driver, hb.find(driver, f"form#editor [id='{field_id}']"), mine)
    hb.wait_text(driver, "#autosave-status", "Not saved")
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    hb.wait_text(driver, "#errors", "saved from another tab or window")
    assert "Please fix" not in hb.find(driver, "#errors").text
    hb.find(driver, "a#load-saved", what="link that loads the saved version")
    assert hb.find(driver, f"form#editor [id='{field_id}']").get_attribute("value") == mine, "the conflict lost the typed text"
    hb.wait_autosave_idle(driver)
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    hb.wait_text(driver, "#flash", "Saved")
    assert hb.find(driver, f"form#editor [id='{field_id}']").get_attribute("value") == mine

    # The second tab submits; the first, still showing the editor, types and saves.
    driver.switch_to.window(second)
    hb.go(driver, path)
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#submit"))
    hb.wait_state(driver, "submitted")
    driver.switch_to.window(first)
    late = f"Typed after the other tab submitted {secrets.token_hex(3)}"
    hb.fill(driver, hb.find(driver, f"form#editor [id='{field_id}']"), late)
    hb.wait_text(driver, "#autosave-status", "Not saved")
    hb.submit_and_wait(driver, hb.find(driver, "form#editor button#save"))
    what = hb.find(driver, "#unsaved #unsaved-what", what="what happened to the save").text
    assert "You submitted this handover in another tab" in what and "not" in hb.find(driver, "#unsaved h2").text, what
    assert "Please fix" not in driver.find_element(By.TAG_NAME, "main").text
    kept = hb.find(driver, f"#unsaved textarea#unsaved-{field_id}[readonly]", what="read-only copy of the typed text")
    assert late in kept.get_attribute("value"), f"the typed text is not offered: {kept.get_attribute('value')!r}"
    hb.submit_and_wait(driver, hb.find(driver, "form#post-unsaved button#post-unsaved-button"))
    hb.wait_path(driver, path)
    hb.wait_text(driver, "ol#questions li.question", late)
    driver.switch_to.window(second)
    driver.close()
    driver.switch_to.window(first)


def test_no_dead_ends_and_human_dates(browsers):
    tom = browsers.get("tom")
    # A page that does not exist keeps the navigation.
    hb.go(tom, "/handovers/no-such-handover")
    hb.find(tom, "a#nav-home", what="navigation on the 404 page")
    hb.find(tom, "a#nav-accounts")
    # The auditor is not told to start a handover; their empty home links where they can go.
    aldo = browsers.get("aldo")
    hb.go(aldo, "/")
    main = aldo.find_element(By.TAG_NAME, "main").text
    assert "New handover" not in main, f"the auditor's home tells them to use New handover: {main!r}"
    # The certificate reads as people write: no raw ISO times where a person reads, ISO in <time>.
    handover_id = ensure_completed()
    hb.go(tom, f"/handovers/{handover_id}/certificate")
    hb.wait_text(tom, "#certificate-check", "signatures valid")
    for css in ("#certificate-timeline", "#certificate-parties"):
        text = hb.find(tom, css).text
        assert not ISO_TIME.search(text), f"{css} shows raw timestamps: {text!r}"
    assert hb.find_all(tom, "#certificate-timeline time[datetime]"), "the timeline keeps no machine-readable <time datetime>"
    # The sign-off box says what to do on the page, not "see the README" (Tom may sign Globex's).
    hb.go(tom, "/accounts")
    hb.go(tom, hb.path_of_link(hb.link_in(tom, "table#accounts", "a.account-link", "Globex Retail")))
    hb.go(tom, hb.path_of_link(hb.find(tom, "#open-handover a.handover-link", what="Globex's open handover")))
    box = hb.find(tom, "form#signoff", what="sign-off form").text
    assert "README" not in box and "handover sign" in box, f"the sign-off box says: {box!r}"


def test_accounts_read_on_a_phone_without_sideways_scrolling(browsers):
    tom = browsers.get("tom")
    hb.set_viewport(tom, 390)
    try:
        hb.go(tom, "/accounts")
        hb.find(tom, "table#accounts")
        wrap = tom.execute_script(
            "var w = document.querySelector('table#accounts').parentElement; return [w.scrollWidth, w.clientWidth];")
        assert wrap[0] <= wrap[1] + 1, f"the accounts table scrolls sideways at 390 px: {wrap}"
        owner = hb.find(tom, "table#accounts td[data-label=Owner]")
        shown = tom.execute_script("return getComputedStyle(arguments[0], '::before').content", owner)
        assert "Owner" in shown, f"a stacked row does not name its columns: {shown!r}"
    finally:
        hb.set_viewport(tom, 1280)
