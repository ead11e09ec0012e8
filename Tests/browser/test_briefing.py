"""The briefing in a real browser (issue 15, part 3): Rita, the recipient of Tom's Globex Retail
handover, schedules a briefing from the handover page (the invitations wait in the Emails
section: the demo server has no SMTP), moves it and cancels it; then makes her private
calendar feed, which serves text/calendar with the briefing. Read at 1280 and 390 px, with the
accessibility smoke checks. Confirming a held briefing needs its start to have passed: the
services' tests (BriefingTests) hold that and the acknowledgment gate; invitations as they arrive
over SMTP, parsed with icalendar, too."""
import datetime
import urllib.request

import handover_browser as hb


def open_summary(driver, details_css):
    details = hb.find(driver, details_css)
    if details.get_attribute("open") is None:
        hb.click(driver, details.find_element("css selector", "summary"))
    return details


def test_the_recipient_schedules_moves_and_cancels_a_briefing_and_reads_her_feed(browsers):
    rita = browsers.get("rita")
    hb.go(rita, "/")
    hb.go(rita, hb.path_of_link(hb.link_in(rita, "section#waiting", "a.handover-link", "Globex Retail")))
    handover_path = hb.path_of(rita)
    hb.wait_text(rita, "section#briefing h2", "Briefing")

    # A start in the past is refused with the reason, and nothing is listed.
    open_summary(rita, "details#schedule-briefing")
    past = (datetime.datetime.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    hb.set_value(rita, hb.find(rita, "#briefing-start"), past)
    hb.fill(rita, hb.find(rita, "#briefing-place"), "Room 2, east wing")
    hb.submit_and_wait(rita, hb.find(rita, "#schedule-briefing-button"))
    assert "must be in the future" in rita.page_source, hb.where(rita)
    assert not hb.exists(rita, "li.briefing"), "a refused briefing was stored"

    start = (datetime.datetime.now() + datetime.timedelta(days=3)).replace(hour=14, minute=30, second=0, microsecond=0)
    hb.go(rita, handover_path)
    open_summary(rita, "details#schedule-briefing")
    hb.set_value(rita, hb.find(rita, "#briefing-start"), start.strftime("%Y-%m-%dT%H:%M"))
    minutes = hb.find(rita, "#briefing-minutes")
    hb.fill(rita, minutes, "45")
    hb.fill(rita, hb.find(rita, "#briefing-place"), "Room 2, east wing")
    hb.fill(rita, hb.find(rita, "#briefing-video"), "https://meet.example.com/globex")
    hb.submit_and_wait(rita, hb.find(rita, "#schedule-briefing-button"))
    hb.wait_text(rita, "#flash", "Briefing scheduled")
    item = hb.find(rita, "li.briefing")
    human = f"{start.day} {start.strftime('%b %Y')} 14:30"
    assert human in item.text and "45 minutes" in item.text and "Room 2, east wing" in item.text, item.text
    assert "scheduled" in item.text and hb.NAMES["tom"] in item.text, item.text
    hb.wait_text(rita, "section#outbox-section", "Briefing: handover of Globex Retail")
    hb.check_layout(rita, "handover-briefing")

    # Move: an hour longer; the invitations go again.
    open_summary(rita, "li.briefing details.briefing-change")
    move_minutes = hb.find(rita, "li.briefing input[name=minutes]")
    hb.fill(rita, move_minutes, "90")
    hb.submit_and_wait(rita, hb.find(rita, "li.briefing button.move-briefing"))
    hb.wait_text(rita, "li.briefing", "90 minutes")
    hb.wait_text(rita, "section#outbox-section", "Briefing moved")

    # The feed, made on its page, serves the briefing as text/calendar.
    hb.go(rita, "/calendar-feed")
    hb.wait_text(rita, "h1", "Calendar feed")
    hb.submit_and_wait(rita, hb.find(rita, "button#create-feed"))
    feed = hb.find(rita, "input#feed-url").get_attribute("value")
    assert "/calendar/hcal_" in feed and feed.endswith(".ics"), feed
    hb.check_layout(rita, "calendar-feed")
    with urllib.request.urlopen(feed, timeout=hb.WAIT) as response:
        assert response.headers["Content-Type"].startswith("text/calendar"), response.headers["Content-Type"]
        calendar = response.read().decode("utf-8")
    assert "BEGIN:VCALENDAR" in calendar and "SEQUENCE:1" in calendar and "Globex Retail" in calendar, calendar[:500]

    # Cancel: listed as cancelled, and the feed says so.
    hb.go(rita, handover_path)
    open_summary(rita, "li.briefing details.briefing-change")
    hb.submit_and_wait(rita, hb.find(rita, "li.briefing button.cancel-briefing"))
    hb.wait_text(rita, "li.briefing .briefing-state", "cancelled")
    assert not hb.exists(rita, "li.briefing details.briefing-change"), "a cancelled briefing still offers move and cancel"
    with urllib.request.urlopen(feed, timeout=hb.WAIT) as response:
        assert "STATUS:CANCELLED" in response.read().decode("utf-8")
    hb.go(rita, "/calendar-feed")
    hb.submit_and_wait(rita, hb.find(rita, "button#revoke-feed"))
    try:
        urllib.request.urlopen(feed, timeout=hb.WAIT)
        raise AssertionError("a revoked feed still answers")
    except urllib.error.HTTPError as error:
        assert error.code == 404, error.code
