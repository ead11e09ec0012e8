"""Quality dashboards and documentation audits (issue 17, part 5). Maya, a manager, opens
"Quality" from the navigation, asks for a refresh if nothing is computed yet, and reads the
period's table and a chart per measure, each an image with a title and a description, its
numbers in a table. She narrows to one template and a range of months through the filters (the
address says what the page shows), and the CSV link carries the same filter. Aldo, the auditor,
reads the documentation audit and its export link; he has no refresh button. Every page reads
at 1280 and 390 px and passes the accessibility smoke checks."""
import time

import handover_browser as hb

MEASURES = 10


def computed(driver, press=True):
    """Reloads /insight until a snapshot is in (the server's hourly schedule runs at start-up;
    "Refresh now" queues one at once, for those who have it)."""
    hb.go(driver, "/insight")
    if press and hb.exists(driver, "#insight-empty"):
        hb.submit_and_wait(driver, hb.find(driver, "button#insight-refresh"))
        assert "Refresh queued" in hb.text_content(hb.find(driver, "#flash"))
    deadline = time.time() + 30
    while hb.exists(driver, "#insight-empty"):
        assert time.time() < deadline, "the refresh did not land within 30 s"
        time.sleep(0.5)
        hb.go(driver, "/insight")


def test_a_manager_reads_the_quality_dashboards_and_filters_them(browsers):
    maya = browsers.get("maya")
    hb.go(maya, "/")
    hb.click(maya, hb.find(maya, "nav a#nav-insight"))
    hb.wait_path(maya, r"/insight$")
    computed(maya)
    assert hb.h1_text(maya) == "Handover quality"
    assert "As of" in hb.text_content(hb.find(maya, "#insight-freshness"))

    rows = hb.find_all(maya, "table#quality-totals tbody tr")
    assert len(rows) == MEASURES, [hb.text_content(r) for r in rows]
    charts = hb.find_all(maya, "svg.chart[role=img]")
    assert len(charts) == MEASURES
    for chart in charts:
        labelled = chart.get_attribute("aria-labelledby").split()
        title = hb.find(maya, f"#{labelled[0]}")
        desc = hb.find(maya, f"#{labelled[1]}")
        assert title.get_attribute("textContent").endswith(")"), title.get_attribute("textContent")
        assert desc.get_attribute("textContent"), "a chart without a description"
    # The table behind a chart: twelve months, each with what it counted.
    hb.click(maya, hb.find(maya, "#figure-return-rate details summary"))
    months = hb.find_all(maya, "#figure-return-rate table.chart-table tbody tr")
    assert len(months) == 12, len(months)
    hb.check_layout(maya, "insight-dashboard")

    # One template, a range of months: the filter is in the address, and in the CSV link.
    hb.choose(hb.find(maya, "form#insight-filters select#f-template"), "Customer account")
    first = hb.text_content(months[0].find_element("css selector", "th"))
    last = hb.text_content(months[-1].find_element("css selector", "th"))
    hb.set_value(maya, hb.find(maya, "input#f-from"), first)
    hb.set_value(maya, hb.find(maya, "input#f-to"), last)
    hb.submit_and_wait(maya, hb.find(maya, "form#insight-filters button#insight-show"))
    hb.wait_until(maya, lambda d: "template=customer-account" in d.current_url, "the filter in the address")
    assert hb.find(maya, "select#f-template").get_attribute("value") == "customer-account"
    csv = hb.find(maya, "a#quality-csv").get_attribute("href")
    assert "template=customer-account" in csv and f"from={first}" in csv, csv
    assert "template Customer account" in hb.text_content(hb.find(maya, "main p.meta:not(#insight-freshness)"))


def test_the_auditor_reads_the_documentation_audit(browsers):
    aldo = browsers.get("aldo")
    computed(aldo, press=False)
    assert not hb.exists(aldo, "button#insight-refresh"), "an auditor changes nothing"
    hb.go(aldo, "/insight/audit")
    assert hb.h1_text(aldo) == "Documentation audit"
    assert hb.exists(aldo, "table#audit-findings") or hb.exists(aldo, "#audit-empty")
    for row in hb.find_all(aldo, "table#audit-findings tbody tr")[:3]:
        link = row.find_element("css selector", "a")
        assert "/handovers/" in link.get_attribute("href")
    assert hb.find(aldo, "a#audit-csv").get_attribute("href").endswith("/insight/audit.csv")
    # A month that is not one: said at the top, nothing else lost.
    hb.go(aldo, "/insight/audit?from=2026-13")
    assert "must be a month written YYYY-MM" in hb.text_content(hb.find(aldo, "main"))
    hb.go(aldo, "/insight/audit")
    hb.check_layout(aldo, "insight-audit")
