"""The customer's introduction and the follow-up in a real browser (issue 15, parts 5 and 6).

Runs after test_handover_flow (file order), which completes Tom's handover of Initech Software to
Rita. Tom previews the introduction, fills in why, edits the subject and sends it to Bill (the
key contact with an address). The follow-up is then made due now with the operator's job
commands (it is scheduled 14 days after completion), and starts. The demo server has no SMTP
server (the outbox tests read its queued emails), so the customer's link is made here the way the
mail job writes it into the email (HMAC of the survey id under the server secret; the Swift SMTP
test reads it from a delivered email): Bill opens it signed out at 390 px and answers, the link is
then gone (410); Rita answers her survey, Maya checks in (verified), and the answers show on the
account page. Every page at 1280 and 390 px passes the accessibility smoke checks."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import handover_browser as hb

CLI = os.environ.get("HANDOVER_CLI", "")
DATABASE = os.environ.get("HANDOVER_DEMO_DATABASE", "")


def run(*args, config=None, stdin=None):
    env = dict(os.environ, HANDOVER_SERVER=hb.BASE_URL)
    if config:
        env["HANDOVER_CONFIG"] = str(config)
    done = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, f"handover {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}"
    return done.stdout


def survey_token(survey_id):
    """What the mail job writes into the customer's email: HKDF-SHA256 of the server secret, then HMAC."""
    secret = bytes.fromhex((Path(DATABASE).parent / "secret.key").read_text().strip())
    prk = hmac.new(b"handover survey link v1", secret, hashlib.sha256).digest()
    key = hmac.new(prk, b"\x01", hashlib.sha256).digest()
    mac = hmac.new(key, survey_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@pytest.fixture(scope="module")
def tom_cli():
    if not CLI or not os.access(CLI, os.X_OK) or not DATABASE:
        pytest.fail("HANDOVER_CLI and HANDOVER_DEMO_DATABASE are set by scripts/browser-tests")
    with tempfile.TemporaryDirectory(prefix="handover-intro-") as folder:
        config = Path(folder) / "tom.json"
        run("login", "--email", hb.EMAILS["tom"], "--password-stdin", config=config, stdin=hb.PASSWORD + "\n")
        yield config


def test_introduction_survey_and_check_in(browsers, tom_cli):
    accounts = json.loads(run("accounts", "list", "--format", "json", config=tom_cli))
    initech = next(a["id"] for a in accounts["items"] if a["name"] == "Initech Software")
    handovers = json.loads(run("list", "--format", "json", config=tom_cli))["items"]
    done = [h for h in handovers if h["accountID"] == initech and h["state"] == "completed"]
    assert done, "no completed Initech handover: test_handover_flow makes it"
    handover = done[0]["id"]

    # Tom: from the handover page to the introduction, fill in why, edit, send to Bill.
    tom = browsers.get("tom")
    hb.go(tom, f"/handovers/{handover}")
    hb.click(tom, hb.find(tom, "a#introduction-link", what="the introduction link"))
    hb.wait_path(tom, rf"^/handovers/{handover}/introduction$")
    hb.fill(tom, hb.find(tom, "textarea#why"), "Tom moves to the EMEA team in January.")
    hb.submit_and_wait(tom, hb.find(tom, "button#intro-refresh"))
    body = hb.find(tom, "textarea#intro-body").get_attribute("value")
    assert "Tom moves to the EMEA team in January." in body and "Rita Recipient has the full story" in body, body
    assert hb.find(tom, "input[value='bill@initech.example']").is_selected()
    hb.check_layout(tom, "introduction")
    hb.fill(tom, hb.find(tom, "input#intro-subject"), "Meet Rita, your new contact at Northwind")
    hb.fill(tom, hb.find(tom, "textarea#intro-body"), body + "\nP.S. Rita knows about the import bug.")
    hb.submit_and_wait(tom, hb.find(tom, "button#intro-send"))
    hb.wait_text(tom, "#flash", "Introduction queued")
    hb.wait_text(tom, "section#intro-sent", "Bill Lumbergh")
    outbox = json.loads(run("outbox", "--handover", handover, "--format", "json", config=tom_cli))["items"]
    intro = next(m for m in outbox if m["kind"] == "handover.introduction")
    assert intro["subject"] == "Meet Rita, your new contact at Northwind" and "Rita knows about the import bug." in intro["text"]
    assert "\r" not in intro["text"], "the browser's CRLF line ends are stored as LF"
    assert [c["address"] for c in intro["cc"]] == [hb.EMAILS["rita"]]

    # The follow-up, made due now: the operator cancels its pending job and retries it.
    jobs = json.loads(run("jobs", "list", "--kind", "followup.start", "--state", "pending", "--database", DATABASE, "--format", "json"))["jobs"]
    assert jobs, "no pending followup.start job: the completion schedules one"
    for job in jobs:  # the job list shows no payloads; starting another handover's follow-up early harms nothing here
        run("jobs", "cancel", job["id"], "--database", DATABASE)
        run("jobs", "retry", job["id"], "--database", DATABASE)
    follow = {}
    for _ in range(100):
        follow = json.loads(run("followup", "show", handover, "--format", "json", config=tom_cli))["followUp"]
        if follow.get("startedAt"):
            break
        time.sleep(0.2)
    assert follow.get("startedAt"), f"the follow-up did not start: {follow}"
    survey = next(s for s in follow["customers"] if s["contactEmail"] == "bill@initech.example")

    # Bill, signed out, on a phone.
    bill = browsers.get("anonymous")
    hb.set_viewport(bill, 390)
    hb.go(bill, f"/survey/{survey_token(survey['id'])}")
    hb.wait_text(bill, "h1", "How was the change of contact?")
    hb.check_layout(bill, "survey")
    hb.click(bill, hb.find(bill, "input[name=satisfaction][value='5']"))
    hb.click(bill, hb.find(bill, "input[name=repeated][value='no']"))
    hb.fill(bill, hb.find(bill, "textarea#comment"), "Rita already knew about the import bug.")
    hb.submit_and_wait(bill, hb.find(bill, "button#survey-submit"))
    hb.wait_text(bill, "#survey-thanks", "Your answer is recorded")
    hb.go(bill, f"/survey/{survey_token(survey['id'])}")
    hb.wait_text(bill, "#survey-gone", "answered already")

    # Rita's short survey, then Maya's check-in verifies the handover.
    rita = browsers.get("rita")
    hb.go(rita, f"/handovers/{handover}/follow-up")
    hb.click(rita, hb.find(rita, "input[name=rushed][value='yes']"))
    hb.fill(rita, hb.find(rita, "textarea#missing"), "The pricing history.")
    hb.choose(hb.find(rita, "select#score"), "4")
    hb.check_layout(rita, "follow-up")
    hb.submit_and_wait(rita, hb.find(rita, "button#followup-answer"))
    hb.wait_text(rita, "dl#followup-recipient", "The pricing history.")
    maya = browsers.get("maya")
    hb.go(maya, f"/handovers/{handover}/follow-up")
    hb.submit_and_wait(maya, hb.find(maya, "button#check-in-done"))
    hb.wait_text(maya, "#flash", "verified")
    hb.wait_text(maya, "#followup-checked-in", "Manager checked in")

    # The customer's answer on the account page.
    hb.go(tom, f"/accounts/{initech}")
    hb.wait_text(tom, "section#account-surveys", "Rita already knew about the import bug.")
    hb.wait_text(tom, "section#account-surveys", "5 / 5")
    hb.check_layout(tom, "account-surveys")
