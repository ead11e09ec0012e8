"""A departure planned and applied in the browser (issue 16, part 1). Ada adds a leaver (managed by
Maya) who owns three accounts, one of them with an open handover; she finds Departures in the
navigation, plans the departure with a tag rule, sees the whole plan with the conflict first,
applies it skipping the conflict, and sends the same apply form again (twice at once): one
departure, one set of handovers. A member has no departures page. Every page reads at 1280 and
390 px and passes the accessibility smoke checks."""
import time

import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-departure-")


def add_leaver(ada, name, email):
    hb.go(ada, "/admin")
    hb.fill(ada, hb.find(ada, "form#add-member input#member-name"), name)
    hb.fill(ada, hb.find(ada, "form#add-member input#member-email"), email)
    hb.fill(ada, hb.find(ada, "form#add-member select#member-manager"), hb.NAMES["maya"])
    hb.fill(ada, hb.find(ada, "form#add-member input#member-password"), hb.PASSWORD)
    hb.submit_and_wait(ada, hb.find(ada, "form#add-member button#add-member-button"))


def post_again(driver, body, times):
    """POSTs the apply form's exact body `times` times at once from the page; the paths they end on."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const send = () => fetch('/departures', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: arguments[0]})
          .then((r) => new URL(r.url).pathname + ' ' + r.status);
        Promise.all(Array.from({length: arguments[1]}, send)).then(done, (e) => done(String(e)));""", body, times)


def test_an_admin_plans_and_applies_a_departure_once(ada_cli, browsers):
    stamp = str(int(time.time() * 1000))
    name, email = f"Leaver {stamp}", f"leaver-{stamp}@demo.handover.dev"
    ada = browsers.get("ada")
    add_leaver(ada, name, email)
    accounts = {}
    for label, tag in (("North", "emea"), ("South", None), ("West", None)):
        args = ["account", "create", "--name", f"{label} {stamp}", "--kind", "customer", "--owner", email, "--overview", f"{label} account"]
        if tag:
            args += ["--tag", tag]
        accounts[label] = ada_cli.json(*args)["id"]
    ada_cli.run("new", "--account", accounts["West"], "--to", hb.EMAILS["rita"])

    hb.go(ada, "/admin")
    hb.click(ada, hb.find(ada, f"a[aria-label='Plan departure of {name}']", what="the member's Plan departure link"))
    hb.wait_path(ada, r"^/departures$")
    assert hb.find(ada, "a#nav-departures").get_attribute("aria-current") == "page"
    assert hb.find(ada, "select#member option:checked").text == name
    hb.fill(ada, hb.find(ada, "input#rule-0-value"), "emea")
    hb.fill(ada, hb.find(ada, "select#rule-0-recipient"), hb.NAMES["rita"])
    hb.check_layout(ada, "departures")
    hb.submit_and_wait(ada, hb.find(ada, "button#preview-departure"))

    hb.wait_text(ada, "h1", f"{name} leaves now: the plan")
    hb.wait_text(ada, "#departure-conflicts", f"West {stamp} already has an open handover")
    order = ada.execute_script(
        "const c = document.getElementById('departure-conflicts'), l = document.getElementById('departure-lines');"
        "return !!(c.compareDocumentPosition(l) & Node.DOCUMENT_POSITION_FOLLOWING);")
    assert order, "the conflicts come before the accounts"
    north = hb.text_content(hb.find(ada, f"tr#line-{accounts['North']}"))
    south = hb.text_content(hb.find(ada, f"tr#line-{accounts['South']}"))
    assert hb.NAMES["rita"] in north and "a rule matched" in north, north
    assert hb.NAMES["maya"] in south and "manager" in south, south
    hb.check_layout(ada, "departure-preview")

    hb.fill(ada, hb.find(ada, "input#skip-conflicts"), True)
    body = ada.execute_script("return new URLSearchParams(new FormData(document.getElementById('apply-departure'))).toString();")
    hb.submit_and_wait(ada, hb.find(ada, "button#apply-button"))
    hb.wait_path(ada, r"^/departures/[^/]+$")
    path = hb.path_of(ada)
    hb.wait_text(ada, "#departure-handovers", "2", exact=True)
    hb.wait_text(ada, "#departure-skipped-list", f"West {stamp}")
    created = hb.text_content(hb.find(ada, "#departure-created"))
    assert f"North {stamp}" in created and f"South {stamp}" in created, created
    hb.check_layout(ada, "departure")

    # The same form again, twice at once (a double click, a browser retry): the same departure.
    again = post_again(ada, body, 2)
    assert again == [f"{path} 200", f"{path} 200"], f"{again} (first apply: {path})"
    leaver = [m for m in ada_cli.json("members", "list")["items"] if m["email"] == email][0]["id"]
    departures = [d for d in ada_cli.json("departure", "list")["items"] if d["memberID"] == leaver]
    assert len(departures) == 1, departures
    hb.go(ada, path)
    hb.wait_text(ada, "#departure-handovers", "2", exact=True)
    assert len(hb.find_all(ada, "#departure-created li")) == 2
    hb.go(ada, "/departures")
    rows = [r for r in hb.find_all(ada, "table#departures tr.departure") if name in r.text]
    assert len(rows) == 1, [r.text for r in rows]


def test_a_member_has_no_departures_page(browsers):
    rita = browsers.get("rita")
    hb.go(rita, "/")
    assert not hb.exists(rita, "a#nav-departures"), "the Departures link is for admins and managers"
    hb.go(rita, "/departures")
    assert "Departures" not in hb.h1_text(rita), f"a member reached the departures page: {hb.h1_text(rita)}"
