"""Pre-filled packets and risk flags (issue 17, parts 2 and 3). Ada imports tickets for Tom's
account; Tom begins a handover in the browser and finds the open tickets already in "Open
items", each field saying where it came from, and lint asking him to review them. He ticks
"Checked" on the open items and rewrites the risks: both are reviewed and lint stops asking;
the rest still waits. Maya, his manager, reads the packet with its sources. The urgent ticket is
a risk flag on the handover and on the account. Every page reads at 1280 and 390 px and passes
the accessibility smoke checks."""
import time

import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-prefill-")


def unreviewed(driver):
    return [hb.text_content(f) for f in hb.find_all(driver, "aside#lint li.finding") if "nobody has reviewed it yet" in hb.text_content(f)]


def test_a_new_handover_starts_from_imported_tickets_and_asks_for_a_review(ada_cli, browsers, tmp_path):
    stamp = str(int(time.time() * 1000))
    name = f"Prefilled Clinics {stamp}"
    account = ada_cli.json("account", "create", "--name", name, "--kind", "customer", "--owner", hb.EMAILS["tom"])["id"]
    export = tmp_path / f"tickets-{stamp}.csv"
    export.write_text(
        "Id,Requester,Assignee,Subject,Status,Priority,Organization,Due date\n"
        f"{stamp}1,Ann,Tom Transferor,Gateway outage <b>again</b>,open,urgent,{name},2026-12-20\n"
        f"{stamp}2,Ann,Maya Manager,Invoice currency,pending,normal,{name},2026-12-22\n"
        f"{stamp}3,Raj,,Login loop,solved,low,{name},2026-11-02\n")
    ada_cli.run("import", str(export))

    tom = browsers.get("tom")
    hb.go(tom, f"/handovers/new?account={account}")
    hb.choose(hb.find(tom, "form#new-handover select#recipient[name=recipient]"), "Rita Recipient")
    hb.choose(hb.find(tom, "form#new-handover select#template[name=template]"), "Customer account")
    hb.submit_and_wait(tom, hb.find(tom, "form#new-handover button#create"))
    handover = hb.wait_path(tom, r"/handovers/([^/]+)").group(1)
    hb.wait_state(tom, "draft")

    # The urgent ticket is a risk flag, on the handover and on the account, in one sentence.
    flags = hb.text_content(hb.find(tom, "section#risks", what="the risk flags"))
    assert '1 high-severity ticket is open ("Gateway outage <b>again</b>")' in flags, flags

    # The open tickets are the open items, soonest due first; Tom's own go to Rita.
    assert hb.find(tom, "input#f-openWork-openItems-0-title").get_attribute("value") == "Gateway outage <b>again</b>"
    assert hb.find(tom, "input#f-openWork-openItems-0-owner").get_attribute("value") == "Rita Recipient"
    assert hb.find(tom, "input#f-openWork-openItems-1-title").get_attribute("value") == "Invoice currency"
    assert hb.find(tom, "input#f-openWork-openItems-1-owner").get_attribute("value") == "Maya Manager"
    sources = hb.text_content(hb.find(tom, "#prefill-openWork-openItems", what="where the open items came from"))
    assert f"Row 1: Zendesk ticket {stamp}1 ({export.name}, row 2)" in sources, sources
    assert f"Row 2: Zendesk ticket {stamp}2 ({export.name}, row 3)" in sources, sources
    assert hb.find(tom, "#prefill-openWork-openItems a").get_attribute("href") == hb.url(f"/accounts/{account}#imported")
    history = hb.find(tom, "textarea#f-history-relationshipHistory").get_attribute("value")
    assert "Login loop (solved)" in history, history
    waiting = unreviewed(tom)
    assert any("Open items and commitments: pre-filled from Zendesk ticket" in f for f in waiting), waiting
    hb.check_layout(tom, "prefill-editor")

    # He checks the open items and rewrites the risks: both reviewed, the rest still waiting.
    hb.click(tom, hb.find(tom, "input#reviewed-openWork-openItems"))
    hb.fill(tom, hb.find(tom, "textarea#f-risks-riskSignals"), "The gateway outage is the second this month.")
    hb.wait_autosave_idle(tom)
    hb.submit_and_wait(tom, hb.find(tom, "form#editor button#save"))
    hb.wait_path(tom, f"/handovers/{handover}")
    assert "Reviewed: checked as it stands" in hb.text_content(hb.find(tom, "#prefill-openWork-openItems"))
    assert "Reviewed: edited since" in hb.text_content(hb.find(tom, "#prefill-risks-riskSignals"))
    assert not hb.exists(tom, "input#reviewed-openWork-openItems")
    after = unreviewed(tom)
    assert not any("Open items and commitments:" in f or "Risk signals to watch:" in f for f in after), after
    assert len(after) == len(waiting) - 2, (waiting, after)

    # Maya, his manager, reads the packet, each pre-filled field with its sources.
    # He has read the rest: one button saves and checks them all.
    button = hb.find(tom, "form#editor button#check-all-prefilled")
    assert f"all {len(after)} pre-filled checked" in hb.text_content(button), hb.text_content(button)
    hb.wait_autosave_idle(tom)
    hb.submit_and_wait(tom, button)
    assert unreviewed(tom) == []
    assert not hb.exists(tom, "button#check-all-prefilled")
    maya = browsers.get("maya")
    hb.go(maya, f"/handovers/{handover}")
    packet = hb.text_content(hb.find(maya, "section#packet"))
    assert f"Zendesk ticket {stamp}1" in packet and "Reviewed: checked as it stands" in packet, packet
    assert not hb.exists(maya, "section#packet b"), "an imported subject was rendered as markup"
    hb.check_layout(maya, "prefill-packet")
    hb.go(maya, f"/accounts/{account}")
    assert "1 high-severity ticket is open" in hb.text_content(hb.find(maya, "section#risks li[data-rule=urgent-tickets]"))
    assert "No model reading" in hb.text_content(hb.find(maya, "#risk-model")), "the demo's history is too short for a model"
    hb.check_layout(maya, "risk-flags-account")
    # Maya, Tom's manager, records what happened: the model learns from it.
    hb.click(maya, hb.find(maya, "details#record-outcome summary"))
    hb.choose(hb.find(maya, "select#outcome-kind"), "Churn")
    hb.set_value(maya, hb.find(maya, "input#outcome-on"), time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400)))
    hb.fill(maya, hb.find(maya, "textarea#outcome-note"), "Did not renew after the <i>outage</i>")
    hb.submit_and_wait(maya, hb.find(maya, "button#record-outcome-button"))
    recorded = hb.text_content(hb.find(maya, "ul#outcomes li[data-kind=churn]"))
    assert "Did not renew after the <i>outage</i>" in recorded, recorded
