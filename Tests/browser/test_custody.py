"""Physical assets and a custody transfer in real Chromium, with the CLI on the other side.

Ada (admin) registers a laptop and a badge Tom holds and starts a transfer from Tom to Rita with
the CLI. Rita reaches the assets page from the navigation, opens the transfer, records the badge
missing in the receipt form, and signs the record with her browser's key (signoff.js, the
sign-off script, with the custody payload type). Tom signs with his key file; custody moves and
the page says so. Both pages read at 1280 and 390 px and pass the accessibility smoke checks.
"""
import os
import secrets as random
import tempfile
from pathlib import Path

import pytest

import handover_browser as hb

from test_secrets import Cli, CLI


@pytest.fixture(scope="module")
def cli():
    if not CLI or not os.access(CLI, os.X_OK):
        pytest.fail(f"HANDOVER_CLI is not the handover binary ({CLI!r}): scripts/browser-tests sets it")
    with tempfile.TemporaryDirectory(prefix="handover-custody-") as path:
        yield {who: Cli(who, Path(path)) for who in ("ada", "tom")}


def test_a_transfer_received_and_signed_in_the_browser(cli, browsers):
    tag = random.token_hex(3)
    laptop = cli["ada"].json("asset", "add", "--kind", "laptop", "--name", f"ThinkPad {tag}", "--serial", f"PF-{tag}",
                             "--custodian", hb.EMAILS["tom"])["id"]
    badge = cli["ada"].json("asset", "add", "--kind", "badge", "--name", f"Badge {tag}", "--custodian", hb.EMAILS["tom"])["id"]
    transfer = cli["ada"].json("custody", "start", "--from", hb.EMAILS["tom"], "--to", hb.EMAILS["rita"],
                               "--asset", laptop, "--asset", badge)["transfer"]["id"]

    rita = browsers.get("rita")
    hb.go(rita, "/")
    hb.click(rita, hb.find(rita, "a#nav-physical-assets", what="the Assets link"))
    hb.wait_path(rita, r"^/physical-assets$")
    hb.wait_text(rita, "h1", "Assets")
    assert hb.find(rita, "a#nav-physical-assets").get_attribute("aria-current") == "page"
    hb.click(rita, hb.find(rita, f"#custody-transfers a[href='/custody/{transfer}']", what="the transfer"))
    hb.wait_path(rita, rf"^/custody/{transfer}$")
    hb.wait_text(rita, "#custody-status", "Waiting for Rita")
    hb.check_layout(rita, "custody-receipt")

    row = [r for r in hb.find_all(rita, "#custody-items tr.custody-item") if f"Badge {tag}" in r.text][0]
    hb.choose(row.find_element("css selector", "select"), "missing")
    hb.submit_and_wait(rita, hb.find(rita, "button#save-receipt"))
    hb.wait_text(rita, "#custody-status", "Waiting for Tom Transferor and Rita Recipient to sign")
    assert "missing" in hb.text_content(hb.find(rita, "#custody-items")), hb.text_content(hb.find(rita, "#custody-items"))

    hb.submit_and_wait(rita, hb.find(rita, "button#sign-button"))
    hb.wait_text(rita, "#custody-receiver", "signed")
    hb.wait_text(rita, "#custody-status", "Waiting for Tom Transferor to sign")

    cli["tom"].run("key", "new")
    signed = cli["tom"].run("custody", "sign", transfer).stdout
    assert "custody moved to Rita" in signed, signed
    hb.go(rita, f"/custody/{transfer}")
    hb.wait_text(rita, "#custody-status", "Completed")
    history = cli["ada"].run("asset", "history", laptop).stdout
    assert "OK: chain of custody" in history and "→ Rita" in history, history

    hb.go(rita, "/physical-assets")
    hb.wait_text(rita, "#assets", f"ThinkPad {tag}")
    hb.check_layout(rita, "physical-assets")
