"""Imports (issue 17, part 1). Ada uploads a Zendesk export from the Imports page; the source is
recognized and its columns suggested for her to check; she starts it, the page follows the
job's progress until it is done, the bad rows are listed where she finds them in her file, and
the account's page shows the imported tickets with where each came from. Every page reads at
1280 and 390 px and passes the accessibility smoke checks."""
import time

import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-imports-")


def test_an_admin_imports_an_export_and_the_account_shows_it(ada_cli, browsers, tmp_path):
    stamp = str(int(time.time() * 1000))
    name = f"Imported Clinics {stamp}"
    account = ada_cli.json("account", "create", "--name", name, "--kind", "customer", "--owner", hb.EMAILS["tom"])["id"]
    export = tmp_path / f"tickets-{stamp}.csv"
    export.write_text(
        "Id,Requester,Assignee,Subject,Status,Priority,Organization,Due date\n"
        f"{stamp}1,Ann,Tom Hart,Gateway outage <b>again</b>,open,urgent,{name},2026-12-20\n"
        f"{stamp}2,Ann,Tom Hart,Invoice currency,pending,normal,{name.upper()},12/22/2026\n"
        f",Raj,,A row without its id,open,low,{name},\n"
        f"{stamp}4,Raj,,Bad due date,open,low,{name},someday\n"
        # Enough rows that the job is still running when the page opens: the page follows it live.
        + "".join(f"{stamp}x{i},Raj,,Filler {i},solved,low,{name},\n" for i in range(20000)))

    ada = browsers.get("ada")
    hb.go(ada, "/imports")
    hb.check_layout(ada, "imports")
    form = hb.find(ada, "form#attach-form", what="the uploader")
    assert form.is_displayed(), "the uploader stays hidden although JavaScript runs"
    hb.find(ada, "input#attach-file").send_keys(str(export))
    hb.click(ada, hb.find(ada, "form#attach-form button[type=submit]"))
    hb.wait_path(ada, r"^/imports/[^/]+$")
    assert hb.find(ada, "select#import-source").get_attribute("value") == "zendesk.ticket"
    assert hb.find(ada, "select#map-externalId").get_attribute("value") == "Id"
    assert hb.find(ada, "select#map-account").get_attribute("value") == "Organization"
    hb.check_layout(ada, "import-review")
    hb.submit_and_wait(ada, hb.find(ada, "button#import-start-button"))
    hb.wait_text(ada, "#import-state", "done", timeout=90)
    assert hb.text_content(hb.find(ada, "#import-imported")) == "20,002"
    assert hb.text_content(hb.find(ada, "#import-bad")) == "2"
    rows = [hb.text_content(r) for r in hb.find_all(ada, "#bad-rows tbody tr")]
    assert rows[0].startswith("4") and "Id" in rows[0], rows
    assert rows[1].startswith("5") and "Due date" in rows[1], rows
    assert hb.find(ada, "a#bad-rows-csv").get_attribute("href").endswith("/problems.csv")
    hb.check_layout(ada, "import-done")

    hb.go(ada, f"/accounts/{account}")
    imported = hb.text_content(hb.find(ada, "#imported", what="the imported activity"))
    assert "Gateway outage <b>again</b>" in imported, imported
    assert f"{export.name}, row 2" in imported, imported
    assert not hb.exists(ada, "#imported-records b"), "an imported subject was rendered as markup"

    # A member sees the account's imported rows, but not the imports themselves.
    tom = browsers.get("tom")
    hb.go(tom, f"/accounts/{account}")
    assert "Invoice currency" in hb.text_content(hb.find(tom, "#imported-records"))
    assert not hb.exists(tom, "#nav-imports")
    hb.go(tom, "/imports")
    assert hb.h1_text(tom) == "Not allowed", hb.where(tom)
