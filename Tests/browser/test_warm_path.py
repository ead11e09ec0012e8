"""The warm path of a handover, end to end in a real browser, with email really going out
(issue 15, "Proof"): a server of its own whose outbox delivers to a real SMTP server (aiosmtpd,
Tests/smtp/smtp_server.py, writing each message it accepts as JSON).

Tom hands Initech Software over to Rita (made with the CLI: the editor has its own test). Rita
schedules a briefing a minute ahead; the invitation arrives at the SMTP server for both of
them and parses as iCalendar with the `icalendar` package. Once it has started, both confirm it
was held. Rita acknowledges. Tom previews the customer's introduction, edits it and sends it: it
arrives from Tom, Rita in copy, and ticks "Tell the customer" in the packet. Both sign off, Rita
completes. The follow-up is made due now (the operator's job commands, as in
test_introduction), and the survey email reaches Bill, the customer: he opens the link it
carries, signed out on a phone, and answers. His answer shows on the account page."""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import icalendar
import pytest

import handover_browser as hb
from test_handover_flow import sign_off

CLI = os.environ.get("HANDOVER_CLI", "")
ROOT = Path(__file__).resolve().parents[2]
CUSTOMER_ITEM = "Tell the customer about the change and why"


class Mailbox:
    """The messages the SMTP server accepted, as its JSON summaries."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def all(self):
        messages = []
        for path in sorted(self.folder.glob("*.json"), key=lambda p: int(p.stem)):
            try:
                messages.append(json.loads(path.read_text()))
            except json.JSONDecodeError:
                pass  # being written
        return messages

    def wait_for(self, what, match, count=1, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.all() if match(m)]
            if len(found) >= count:
                return found
            time.sleep(0.25)
        summary = [(m["rcptTos"], m["subject"]) for m in self.all()]
        raise AssertionError(f"{what}: {count} expected within {timeout} s; the SMTP server has {summary}")


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def warm():
    """An SMTP server, and `handover serve --demo` sending to it; hb's base URL points there meanwhile."""
    if not CLI or not os.access(CLI, os.X_OK):
        pytest.fail("HANDOVER_CLI is set by scripts/browser-tests")
    folder = Path(tempfile.mkdtemp(prefix="handover-warm-"))
    (folder / "mail").mkdir()
    smtp = subprocess.Popen(
        [sys.executable, str(ROOT / "Tests/smtp/smtp_server.py"), "--out", str(folder / "mail"), "--mode", "plain"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ready = smtp.stdout.readline().split()
    assert ready[:1] == ["READY"], f"the SMTP server did not start: {ready}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOVER_")}
    env.update(HANDOVER_SMTP_URL=f"smtp://127.0.0.1:{ready[1]}?starttls=never", HANDOVER_MAIL_FROM="Handover <handover@demo.handover.dev>",
               HANDOVER_PUBLIC_URL=base)
    log = open(folder / "server.log", "w")
    database = folder / "handover.sqlite"
    server = subprocess.Popen([CLI, "serve", "--demo", "--host", "127.0.0.1", "--port", str(port), "--database", str(database)],
                              cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            break
        except Exception:  # noqa: BLE001 - not up yet
            if server.poll() is not None:
                break
            time.sleep(0.1)
    if server.poll() is not None:
        pytest.fail(f"the warm-path server exited: {(folder / 'server.log').read_text()[-2000:]}")
    previous = hb.BASE_URL
    hb.BASE_URL = base
    drivers = []

    def driver(who):
        d = hb.new_driver()
        drivers.append(d)
        if who != "anonymous":
            hb.sign_in(d, who)
        return d

    def cli(*args, who=None):
        run_env = dict(os.environ, HANDOVER_SERVER=base)
        if who:
            run_env["HANDOVER_CONFIG"] = str(folder / f"{who}.json")
        done = subprocess.run([CLI, *args], capture_output=True, text=True, env=run_env, timeout=60,
                              input=hb.PASSWORD + "\n" if args[:1] == ("login",) else None)
        assert done.returncode == 0, f"handover {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}"
        return done.stdout

    for who in ("tom", "rita"):
        cli("login", "--email", hb.EMAILS[who], "--password-stdin", who=who)
    try:
        yield {"driver": driver, "cli": cli, "mail": Mailbox(folder / "mail"), "database": str(database), "log": folder / "server.log"}
    finally:
        hb.BASE_URL = previous
        for d in drivers:
            try:
                d.quit()
            except Exception:  # noqa: BLE001
                pass
        server.terminate()
        server.wait(timeout=20)
        smtp.stdin.close()
        smtp.wait(timeout=20)
        log.close()


def parsed_invitation(message):
    """The message's .ics, read strictly by icalendar: (METHOD, the VEVENT)."""
    attachment = next(a for a in message["attachments"] if a["filename"].endswith(".ics"))
    calendar = icalendar.Calendar.from_ical(attachment["content"])
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1, attachment["content"]
    return str(calendar["METHOD"]), events[0]


def test_the_warm_path(warm):
    cli, mail = warm["cli"], warm["mail"]

    # Tom hands Initech over to Rita, with the packet filled and every warm-introduction step done
    # but telling the customer (the introduction does that).
    accounts = json.loads(cli("accounts", "list", "--format", "json", who="tom"))["items"]
    initech = next(a["id"] for a in accounts if a["name"] == "Initech Software")
    handover = json.loads(cli("new", "--account", initech, "--to", hb.EMAILS["rita"], "--format", "json", who="tom"))["id"]
    template = json.loads(cli("templates", "show", "customer-account", "--format", "json", who="tom"))
    steps = next(f["options"] for s in template["sections"] for f in s["fields"] if f["id"] == "warmIntroduction")
    due = (datetime.date.today() + datetime.timedelta(days=20)).isoformat()
    patch = {
        "overview": {"summary": "Initech: 15 seats, renewed last year after a pricing discussion."},
        "usage": {"products": "The scheduling module, all seats."},
        "renewal": {"renewalDate": (datetime.date.today() + datetime.timedelta(days=200)).isoformat(), "contractTerms": "Annual, net 30."},
        "openWork": {"openItems": [{"title": "Fix the import bug", "owner": "Rita", "due": due}]},
        "contacts": {
            "keyContacts": [{"name": "Bill Lumbergh", "role": "VP Operations", "email": "bill@initech.example", "preference": "Email"}],
            "warmIntroduction": [{"item": step, "done": step != CUSTOMER_ITEM} for step in steps],
        },
        "risks": {"worries": "They remember the pricing discussion.", "sentiment": "Positive"},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(patch, f)
    cli("edit", handover, "--file", f.name, who="tom")
    os.unlink(f.name)
    cli("submit", handover, who="tom")

    # Rita schedules the briefing from the handover page, at the next whole minute at least 15 s
    # ahead (the form's step is a minute), so the test waits at most 75 s for it to start.
    rita = warm["driver"]("rita")
    hb.go(rita, f"/handovers/{handover}")
    details = hb.find(rita, "details#schedule-briefing")
    if details.get_attribute("open") is None:
        hb.click(rita, details.find_element("css selector", "summary"))
    start = (datetime.datetime.now() + datetime.timedelta(seconds=75)).replace(second=0, microsecond=0)
    hb.set_value(rita, hb.find(rita, "#briefing-start"), start.strftime("%Y-%m-%dT%H:%M"))
    hb.fill(rita, hb.find(rita, "#briefing-minutes"), "20")
    hb.fill(rita, hb.find(rita, "#briefing-video"), "https://meet.example.com/initech")
    hb.submit_and_wait(rita, hb.find(rita, "#schedule-briefing-button"))
    hb.wait_text(rita, "#flash", "Briefing scheduled")

    # The invitation reaches both of them over SMTP and parses as iCalendar.
    invites = mail.wait_for("the briefing invitations", lambda m: m["subject"].startswith("Briefing: handover of Initech"), count=2)
    assert sorted(r for m in invites for r in m["rcptTos"]) == sorted([hb.EMAILS["rita"], hb.EMAILS["tom"]])
    uids = set()
    for message in invites:
        assert not message["defects"], message["defects"]
        method, event = parsed_invitation(message)
        assert method == "REQUEST" and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART").astimezone(datetime.timezone.utc) == start.astimezone().astimezone(datetime.timezone.utc)
        assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(minutes=20)
        attendees = sorted(str(a).lower().removeprefix("mailto:") for a in event.get("ATTENDEE"))
        assert attendees == sorted([hb.EMAILS["rita"], hb.EMAILS["tom"]]), attendees
        assert str(event["ORGANIZER"]).lower() == f"mailto:{hb.EMAILS['rita']}"
        uids.add(str(event["UID"]))
    assert len(uids) == 1, uids

    # Once it has started, both confirm it was held, each with notes.
    time.sleep(max(0.0, (start - datetime.datetime.now()).total_seconds()) + 1)
    tom = warm["driver"]("tom")
    for driver, covered in ((rita, "The packet, the import bug and the renewal."), (tom, "All of it; Bill prefers email.")):
        hb.go(driver, f"/handovers/{handover}")
        hb.fill(driver, hb.find(driver, "form.held-form textarea[name=covered]"), covered)
        hb.submit_and_wait(driver, hb.find(driver, "form.held-form button.confirm-held"))
        hb.wait_text(driver, "#flash", "confirmation is recorded")
    hb.wait_text(tom, "li.briefing .briefing-state", "held")

    # Rita acknowledges in her own words.
    hb.go(rita, f"/handovers/{handover}")
    hb.fill(rita, hb.find(rita, "form#acknowledge textarea#synthesis"),
            "I own Initech now: 15 seats, the import bug is mine to fix, and Bill wants email, not calls.")
    hb.submit_and_wait(rita, hb.find(rita, "form#acknowledge button#acknowledge-button"))
    hb.wait_state(rita, "acknowledged")

    # Tom previews the introduction, edits it and sends it: it arrives from him, Rita in copy.
    hb.go(tom, f"/handovers/{handover}/introduction")
    hb.fill(tom, hb.find(tom, "textarea#why"), "Tom moves to the EMEA team in January.")
    hb.submit_and_wait(tom, hb.find(tom, "button#intro-refresh"))
    body = hb.find(tom, "textarea#intro-body").get_attribute("value")
    assert "Tom moves to the EMEA team in January." in body and "Rita Recipient has the full story" in body, body
    hb.fill(tom, hb.find(tom, "input#intro-subject"), "Meet Rita, your new contact")
    hb.fill(tom, hb.find(tom, "textarea#intro-body"), body + "\nP.S. Rita already knows about the import bug.")
    hb.submit_and_wait(tom, hb.find(tom, "button#intro-send"))
    hb.wait_text(tom, "#flash", "Introduction queued")
    intro = mail.wait_for("the introduction", lambda m: m["subject"] == "Meet Rita, your new contact")[0]
    assert sorted(intro["rcptTos"]) == sorted(["bill@initech.example", hb.EMAILS["rita"]]), intro["rcptTos"]
    assert intro["fromAddresses"] == [hb.EMAILS["tom"]] and intro["ccAddresses"] == [hb.EMAILS["rita"]], intro["headers"]
    assert "Rita already knows about the import bug." in intro["text"] and not intro["defects"]
    packet = json.loads(cli("show", handover, "--format", "json", who="tom"))
    ticked = {e["item"]: e.get("done") for e in packet["content"]["contacts"]["warmIntroduction"]}
    assert ticked[CUSTOMER_ITEM] is True, ticked

    # Both sign off; Rita completes.
    hb.go(tom, f"/handovers/{handover}")
    sign_off(tom, handover, "transferor")
    hb.go(rita, f"/handovers/{handover}")
    sign_off(rita, handover, "recipient")
    hb.submit_and_wait(rita, hb.find(rita, "form#complete button#complete-button"))
    hb.wait_state(rita, "completed")

    # The follow-up, made due now; the survey email reaches Bill with his link.
    jobs = json.loads(cli("jobs", "list", "--kind", "followup.start", "--state", "pending", "--database", warm["database"], "--format", "json"))["jobs"]
    assert len(jobs) == 1, jobs
    cli("jobs", "cancel", jobs[0]["id"], "--database", warm["database"])
    cli("jobs", "retry", jobs[0]["id"], "--database", warm["database"])
    survey = mail.wait_for("Bill's survey", lambda m: m["rcptTos"] == ["bill@initech.example"] and "/survey/" in (m["text"] or ""))[0]
    link = re.search(r"https?://\S+/survey/[A-Za-z0-9_-]+", survey["text"]).group(0)
    assert link.startswith(hb.BASE_URL), link

    bill = warm["driver"]("anonymous")
    hb.set_viewport(bill, 390)
    bill.get(link)
    hb.wait_text(bill, "h1", "How was the change of contact?")
    hb.click(bill, hb.find(bill, "input[name=satisfaction][value='4']"))
    hb.click(bill, hb.find(bill, "input[name=repeated][value='no']"))
    hb.fill(bill, hb.find(bill, "textarea#comment"), "Rita knew the whole story on our first call.")
    hb.submit_and_wait(bill, hb.find(bill, "button#survey-submit"))
    hb.wait_text(bill, "#survey-thanks", "Your answer is recorded")
    bill.get(link)
    hb.wait_text(bill, "#survey-gone", "answered already")

    # His answer is on the account page.
    hb.go(tom, f"/accounts/{initech}")
    hb.wait_text(tom, "section#account-surveys", "Rita knew the whole story on our first call.")
    hb.wait_text(tom, "section#account-surveys", "4 / 5")
    hb.screenshot(tom, "warm-path-account", 1280)
