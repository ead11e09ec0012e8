"""Notification settings in a real browser (issue 15 part 2): Aldo finds the page from the
navigation, sees every event on email, switches two to the digest and off, saves, and finds
them so after a reload; the page reads at 1280 and 390 px and passes the accessibility checks.
Who hears of what, the digest and the overdue job are held by NotificationTests."""
import handover_browser as hb


def checked(driver, kind):
    return [radio.get_attribute("value") for radio in hb.find_all(driver, f"input[type=radio][name='{kind}']") if radio.is_selected()]


def test_a_member_chooses_how_to_hear_of_each_event(browsers):
    aldo = browsers.get("aldo")
    hb.go(aldo, "/")
    hb.click(aldo, hb.find(aldo, "a#nav-notifications", what="the Notifications link"))
    hb.wait_path(aldo, r"^/settings/notifications$")
    hb.wait_text(aldo, "h1", "Notifications")
    groups = hb.find_all(aldo, "fieldset.notification-setting")
    assert len(groups) == 8, f"expected a row per event, got {len(groups)}"
    assert hb.exists(aldo, "input#followup-due-digest"), "the follow-up's notice has all three settings"
    assert hb.exists(aldo, "input#shift-unacknowledged-digest"), "so has a shift's missed acknowledgment"
    # Invitations carry their calendar file, which a digest line cannot: email or off only.
    assert hb.exists(aldo, "input#briefing-invitation-off") and not hb.exists(aldo, "input#briefing-invitation-digest")
    assert checked(aldo, "question.asked") == ["email"], checked(aldo, "question.asked")
    hb.check_layout(aldo, "notifications")

    hb.click(aldo, hb.find(aldo, "input#question-asked-digest"))
    hb.click(aldo, hb.find(aldo, "input#handover-overdue-off"))
    hb.submit_and_wait(aldo, hb.find(aldo, "button#save-notifications"))
    hb.wait_text(aldo, "#flash", "Saved.")
    hb.go(aldo, "/settings/notifications")
    assert checked(aldo, "question.asked") == ["digest"], checked(aldo, "question.asked")
    assert checked(aldo, "handover.overdue") == ["off"], checked(aldo, "handover.overdue")
    assert checked(aldo, "handover.submitted") == ["email"], checked(aldo, "handover.submitted")

    # Back as it was, so other tests see the defaults.
    hb.click(aldo, hb.find(aldo, "input#question-asked-email"))
    hb.click(aldo, hb.find(aldo, "input#handover-overdue-email"))
    hb.submit_and_wait(aldo, hb.find(aldo, "button#save-notifications"))
    hb.wait_text(aldo, "#flash", "Saved.")
