"""The question answerer (issue 17, part 4). Tom owns an account and hands it to Rita; Rita asks
the record a question from the account page and reads the passage that answers it, quoted with a
link to its source; a question nothing answers offers her Tom's thread, where she asks it. Every
page reads at 1280 and 390 px and passes the accessibility smoke checks."""
import time

import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-answers-")


def test_a_recipient_asks_the_record_and_then_the_previous_owner(ada_cli, browsers):
    stamp = str(int(time.time() * 1000))
    account = ada_cli.json("account", "create", "--name", f"Asked {stamp}", "--kind", "customer", "--owner", hb.EMAILS["tom"],
                           "--overview", "The finance director, Olu Bakare, signs every renewal and wants a call first.")["id"]
    handover = ada_cli.json("new", "--account", account, "--to", hb.EMAILS["rita"])["id"]

    rita = browsers.get("rita")
    hb.go(rita, f"/accounts/{account}")
    hb.fill(rita, hb.find(rita, "input#record-question", what="the Ask the record box"), "Who signs the renewal?")
    hb.submit_and_wait(rita, hb.find(rita, "button#ask-record-button"))
    hb.wait_path(rita, rf"^/accounts/{account}/answers$")
    first = hb.find(rita, "#answers li", what="the first answer")
    assert "Olu Bakare" in hb.text_content(first), hb.text_content(first)
    assert hb.find(rita, "#answers li a.answer-source").get_attribute("href").endswith(f"/accounts/{account}")
    assert hb.find(rita, "input#record-question").get_attribute("value") == "Who signs the renewal?"
    hb.check_layout(rita, "answers")

    hb.fill(rita, hb.find(rita, "input#record-question"), "Where do visitors park?")
    hb.submit_and_wait(rita, hb.find(rita, "button#ask-record-button"))
    hb.find(rita, "#no-answer", what="the nothing-found note")
    assert hb.find(rita, "textarea#question").get_attribute("value") == "Where do visitors park?"
    hb.check_layout(rita, "answers-ask-previous-owner")
    hb.submit_and_wait(rita, hb.find(rita, "button#ask-previous-owner-button"))
    hb.wait_path(rita, rf"^/handovers/{handover}$")
    assert "Where do visitors park?" in hb.text_content(hb.find(rita, "#thread-messages"))
