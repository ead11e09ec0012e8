"""Access in a real browser: Tom records a grant on Acme Logistics, draws the open handover's access
plan from it and confirms a line; the lingering-access report is reached from the navigation. Each
page is checked at 1280 and 390 px with the accessibility smoke checks. What the plan and the report
decide is held by AccessGrantTests (the services, both engines, and the API)."""
import handover_browser as hb



def test_a_grant_the_plan_drawn_from_it_and_the_lingering_report(browsers):
    tom = browsers.get("tom")
    hb.go(tom, "/accounts")
    hb.click(tom, hb.link_in(tom, "table#accounts", "a.account-link", "Acme Logistics"))
    hb.wait_path(tom, r"^/accounts/[^/]+$")
    account_path = hb.path_of(tom)
    hb.click(tom, hb.find(tom, "#add-grant-panel summary"))
    hb.set_value(tom, hb.find(tom, "#grant-system"), "GitHub")
    hb.set_value(tom, hb.find(tom, "#grant-role"), "admin")
    hb.choose(hb.find(tom, "select#grant-holder"), "Tom Transferor")
    hb.set_value(tom, hb.find(tom, "#grant-note"), "ticket 7")
    hb.submit_and_wait(tom, hb.find(tom, "#add-grant button[type=submit]"))
    hb.wait_text(tom, "table#grant-list", "GitHub")
    assert "Tom Transferor" in hb.find(tom, "table#grant-list").text
    hb.check_layout(tom, "access-account")

    # The account's open handover: draw its plan, confirm the grant line.
    hb.click(tom, hb.find(tom, "#open-handover a.handover-link"))
    hb.wait_path(tom, r"^/handovers/[^/]+$")
    hb.submit_and_wait(tom, hb.find(tom, "#draw-plan button"))
    hb.wait_text(tom, "#flash", "Access plan drawn")
    hb.wait_text(tom, "table#plan-lines", "Revoke from Tom Transferor")
    assert "Grant to Rita Recipient" in hb.find(tom, "table#plan-lines").text
    rows = hb.find_all(tom, "table#plan-lines tr.plan-pending")
    assert len(rows) == 2, [r.text for r in rows]
    grant_row = [r for r in rows if "Grant to" in r.text][0]
    hb.set_value(tom, grant_row.find_element(hb.By.CSS_SELECTOR, "form.confirm-line input[name=evidence]"), "invited")
    hb.submit_and_wait(tom, grant_row.find_element(hb.By.CSS_SELECTOR, "form.confirm-line button"))
    hb.wait_text(tom, "#flash", "Access plan updated")
    hb.wait_text(tom, "table#plan-lines tr.plan-confirmed", "confirmed")
    hb.check_layout(tom, "access-plan")

    # Back on the account, Rita holds GitHub admin now too.
    hb.go(tom, account_path)
    hb.wait_text(tom, "table#grant-list", "Rita Recipient")

    hb.click(tom, hb.find(tom, "a#nav-lingering", what="the Access link"))
    hb.wait_path(tom, r"^/access/lingering$")
    hb.wait_text(tom, "h1", "Lingering access")
    assert hb.find(tom, "a#nav-lingering").get_attribute("aria-current") == "page"
    hb.check_layout(tom, "access-lingering")
