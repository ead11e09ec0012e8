"""The live thread in real Chromium: a question posted in one browser appears in the other's open
page without a reload (ThreadStream.swift over Server-Sent Events, thread.js). Tom makes an account
of his own for it and hands it to Rita, so no other test's account is touched.
"""
import secrets as random
import tempfile
from pathlib import Path

import pytest

import handover_browser as hb
from test_secrets import Cli, account_id, start_handover


@pytest.fixture(scope="module")
def handover():
    with tempfile.TemporaryDirectory(prefix="handover-thread-") as folder:
        tom = Cli("tom", Path(folder))
        name = f"Bed 7, ward 2 ({random.token_hex(3)})"
        tom.run("accounts", "create", "--name", name, "--kind", "patient", "--overview", "Admitted for observation after a fall.")
        yield start_handover(tom, account_id(tom, name), "rita")


def test_a_question_appears_live_in_the_other_party_s_page(handover):
    rita, tom = hb.new_driver(), hb.new_driver()
    try:
        hb.sign_in(rita, "rita")
        hb.sign_in(tom, "tom")
        hb.go(rita, f"/handovers/{handover}")
        hb.find(rita, "#thread-messages")
        rita.execute_script("window.__samePage = true;")
        question = f"Is the morning dose still at 8?\nAnd the evening one? ({random.token_hex(3)})"
        hb.go(tom, f"/handovers/{handover}")
        hb.fill(tom, hb.find(tom, "form#ask textarea#question"), question)
        hb.submit_and_wait(tom, hb.find(tom, "#ask-button"))
        hb.wait_text(tom, "#questions", question)
        # Rita's page shows it without a reload, and says so to a screen reader.
        hb.wait_text(rita, "#questions", question)
        assert rita.execute_script("return window.__samePage === true;"), "Rita's page was reloaded"
        hb.wait_text(rita, "#thread-news", "1 new message")
        # And back: Rita answers, Tom's page (loaded before the answer) shows it.
        tom.execute_script("window.__samePage = true;")
        answer = f"Yes, 8 o'clock, with food ({random.token_hex(3)})."
        hb.fill(rita, hb.find(rita, "form#ask textarea#question"), answer)
        hb.submit_and_wait(rita, hb.find(rita, "#ask-button"))
        hb.wait_text(tom, "#questions", answer)
        assert tom.execute_script("return window.__samePage === true;"), "Tom's page was reloaded"
        problems = hb.accessibility_problems(rita)
        assert not problems, "; ".join(problems)
    finally:
        rita.quit()
        tom.quit()

