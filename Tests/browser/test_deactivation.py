"""Deactivation from the admin page (issue 16, part 1). Ada adds a member with a password, the
member signs in in a browser of their own, Ada deactivates them with the row's button: their
open page is signed out at the next request and signing in again is refused like a wrong
password; Reactivate lets them sign in again. The page reads at 1280 and 390 px and passes the
accessibility smoke checks."""
import time

import handover_browser as hb


def sign_in_as(driver, email):
    hb.go(driver, "/login")
    hb.fill(driver, hb.find(driver, "form#login input#email[name=email]"), email)
    hb.fill(driver, hb.find(driver, "form#login input#password[name=password]"), hb.PASSWORD)
    hb.submit_and_wait(driver, hb.find(driver, "form#login button#sign-in"))


def member_row(driver, name):
    rows = [row for row in hb.find_all(driver, "table#members tr") if name in row.text]
    assert rows, f"table#members does not list {name}"
    return rows[0]


def test_an_admin_deactivates_and_reactivates_a_member(browsers):
    ada = browsers.get("ada")
    stamp = str(int(time.time() * 1000))
    name, email = f"Leaver {stamp}", f"leaver-{stamp}@demo.handover.dev"
    hb.go(ada, "/admin")
    hb.fill(ada, hb.find(ada, "form#add-member input#member-name"), name)
    hb.fill(ada, hb.find(ada, "form#add-member input#member-email"), email)
    hb.fill(ada, hb.find(ada, "form#add-member input#member-password"), hb.PASSWORD)
    hb.submit_and_wait(ada, hb.find(ada, "form#add-member button#add-member-button"))
    assert "active" in member_row(ada, name).text

    leaver = hb.new_driver()
    try:
        sign_in_as(leaver, email)
        hb.wait_path(leaver, "/")

        hb.submit_and_wait(ada, member_row(ada, name).find_element("css selector", f"button[aria-label='Deactivate {name}']"))
        assert "deactivated" in member_row(ada, name).text
        for width in hb.WIDTHS:
            hb.screenshot(ada, "admin-deactivated", width)
        problems = hb.accessibility_problems(ada)
        hb.set_viewport(ada, 390)
        overflow = hb.horizontal_overflow(ada, 390)
        hb.set_viewport(ada, 1280)
        assert not overflow, f"/admin scrolls sideways at 390 px: {hb.widest_elements(ada, 390)}"
        assert not problems, "; ".join(problems)

        # Their open session ended with the deactivation; signing in again is refused.
        hb.go(leaver, "/")
        hb.wait_path(leaver, "/login")
        sign_in_as(leaver, email)
        assert hb.path_of(leaver) == "/login" or "/login" in leaver.current_url, leaver.current_url

        hb.submit_and_wait(ada, member_row(ada, name).find_element("css selector", f"button[aria-label='Reactivate {name}']"))
        assert "deactivated" not in member_row(ada, name).text
        sign_in_as(leaver, email)
        hb.wait_path(leaver, "/")
    finally:
        leaver.quit()
