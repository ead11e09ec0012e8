"""A realignment from a CSV in the browser (issue 16, part 2). Ada finds Realign in the
navigation; a file with a bad row comes back with the row named by its line and nothing
applied; she chooses the corrected file from disk (the page reads it into the form), sees which
accounts move, from whom to whom, applies it, and lands on the realignment with its handovers.
Every page reads at 1280 and 390 px and passes the accessibility smoke checks."""
import os
import tempfile
import time

import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-realign-")


def test_an_admin_realigns_accounts_from_a_csv_file(ada_cli, browsers):
    stamp = str(int(time.time() * 1000))
    north, south = f"North, {stamp}", f"South {stamp}"
    for name in (north, south):
        ada_cli.json("account", "create", "--name", name, "--kind", "customer", "--owner", hb.EMAILS["tom"], "--overview", "Ours")
    ada = browsers.get("ada")
    hb.go(ada, "/")
    hb.click(ada, hb.find(ada, "a#nav-realignments", what="the Realign link"))
    hb.wait_path(ada, r"^/realignments$")
    hb.check_layout(ada, "realignments")

    bad = f'account,new_owner,note\n"{north}",{hb.EMAILS["rita"]},Call first\nNowhere {stamp},{hb.EMAILS["rita"]},\n'
    hb.fill(ada, hb.find(ada, "textarea#csv"), bad)
    hb.submit_and_wait(ada, hb.find(ada, "button#preview-realignment"))
    hb.wait_text(ada, "#errors", f'line 3: no account "Nowhere {stamp}" in this organization')
    assert f"Nowhere {stamp}" in hb.find(ada, "textarea#csv").get_attribute("value"), "what was typed is kept"

    good = f'account,new_owner,note\n"{north}",{hb.EMAILS["rita"]},"Call first, then email"\n{south},{hb.EMAILS["maya"]},\n'
    path = os.path.join(tempfile.mkdtemp(prefix="handover-realign-"), "territories.csv")
    with open(path, "w", encoding="utf-8") as file:
        file.write("\ufeff" + good)
    hb.find(ada, "input#csv-file").send_keys(path)
    hb.wait_until(ada, lambda d: f"{south},{hb.EMAILS['maya']}" in hb.find(d, "textarea#csv").get_attribute("value"),
                  "the chosen file fills the form")
    hb.submit_and_wait(ada, hb.find(ada, "button#preview-realignment"))
    hb.wait_text(ada, "h1", "The realignment's plan")
    hb.wait_text(ada, "#realignment-counts", "2 accounts to move: 2 ready")
    rows = hb.text_content(hb.find(ada, "table#realignment-lines"))
    assert hb.NAMES["tom"] in rows and hb.NAMES["rita"] in rows and "Call first, then email" in rows, rows
    hb.check_layout(ada, "realignment-preview")

    hb.submit_and_wait(ada, hb.find(ada, "button#apply-button"))
    hb.wait_path(ada, r"^/realignments/[^/]+$")
    hb.wait_text(ada, "#realignment-handovers", "2", exact=True)
    created = hb.text_content(hb.find(ada, "#realignment-created"))
    assert north in created and f"from {hb.NAMES['tom']} to {hb.NAMES['maya']}" in created, created
    hb.check_layout(ada, "realignment")


def test_a_member_has_no_realign_page(browsers):
    rita = browsers.get("rita")
    hb.go(rita, "/")
    assert not hb.exists(rita, "a#nav-realignments"), "the Realign link is for admins and managers"
    hb.go(rita, "/realignments")
    assert "Realignments" not in hb.h1_text(rita), f"a member reached the realignments page: {hb.h1_text(rita)}"
