"""A cover started from the account page (issue 16, part 3). Tom owns an account; he chooses
Rita and a day on its page, lands on the cover handover, and the account page then shows the
cover with "Back early" instead of the form. Every page reads at 1280 and 390 px and passes the
accessibility smoke checks."""
import datetime
import time

import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-cover-")


def test_an_owner_starts_a_cover_from_the_account_page(ada_cli, browsers):
    stamp = str(int(time.time() * 1000))
    account = ada_cli.json("account", "create", "--name", f"Covered {stamp}", "--kind", "customer", "--owner", hb.EMAILS["tom"],
                           "--overview", "Tom's account")["id"]
    tom = browsers.get("tom")
    hb.go(tom, f"/accounts/{account}")
    hb.find(tom, "form#start-cover", what="the cover form")
    hb.check_layout(tom, "account-cover-form")
    hb.fill(tom, hb.find(tom, "select#cover-by"), hb.NAMES["rita"])
    day = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    hb.fill(tom, hb.find(tom, "input#cover-until"), day)
    hb.submit_and_wait(tom, hb.find(tom, "button#start-cover-button"))
    hb.wait_path(tom, r"^/handovers/[^/]+$")

    hb.go(tom, f"/accounts/{account}")
    cover = hb.text_content(hb.find(tom, "#active-covers"))
    assert hb.NAMES["rita"] in cover and hb.NAMES["tom"] in cover, cover
    assert hb.exists(tom, "#active-covers button"), "the owner may end it early"
    assert not hb.exists(tom, "form#start-cover"), "not while the cover handover is open"
    hb.check_layout(tom, "account-covered")
    covers = [c for c in ada_cli.json("cover", "list")["items"] if c["accountID"] == account]
    assert len(covers) == 1 and covers[0]["until"] == day, covers
