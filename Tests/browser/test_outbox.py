"""The mail outbox in a real browser (issue 15). The demo server has no SMTP server, so the
emails its seed wrote (Rita's notices of Tom's two submissions) wait, queued: an admin finds
them on /outbox from the navigation, filters by state, and Rita sees hers on the handover's
page. Both read at 1280 and 390 px and pass the accessibility smoke checks. Sending, retries and
failures are held by OutboxTests (against a real SMTP server)."""
import handover_browser as hb


def test_an_admin_reads_the_organizations_outbox(browsers):
    ada = browsers.get("ada")
    hb.go(ada, "/")
    hb.click(ada, hb.find(ada, "a#nav-outbox", what="the Outbox link"))
    hb.wait_path(ada, r"^/outbox$")
    hb.wait_text(ada, "h1", "Outbox")
    rows = [row.text for row in hb.find_all(ada, "table#outbox tr.outbox-message")]
    notices = [row for row in rows if "handed over Globex Retail to you" in row]
    assert notices, f"no notice of the Globex Retail submission in {rows}"
    assert hb.NAMES["rita"] in notices[0] and "Queued since" in notices[0], notices[0]
    assert hb.link_in(ada, "table#outbox", "a", "Globex Retail")
    hb.check_layout(ada, "outbox")

    hb.choose(hb.find(ada, "select#state"), "Sent")
    hb.submit_and_wait(ada, hb.find(ada, "#outbox-filters button#filter"))
    assert "state=sent" in ada.current_url, ada.current_url
    hb.wait_text(ada, "#outbox-empty", "No sent emails")
    assert hb.find(ada, "select#state option[selected]").text == "Sent"


def test_the_recipient_sees_the_email_on_the_handover_page_and_only_admins_see_the_outbox_page(browsers):
    rita = browsers.get("rita")
    hb.go(rita, "/")
    assert not hb.exists(rita, "a#nav-outbox"), "the Outbox link is for admins"
    hb.go(rita, hb.path_of_link(hb.link_in(rita, "section#waiting", "a.handover-link", "Globex Retail")))
    hb.wait_text(rita, "section#outbox-section", "handed over Globex Retail to you")
    hb.wait_text(rita, "section#outbox-section", "Queued since")
    hb.check_layout(rita, "handover-emails")
    hb.go(rita, "/outbox")
    assert "Outbox" not in hb.h1_text(rita), f"a member reached the organization's outbox: {hb.h1_text(rita)}"
