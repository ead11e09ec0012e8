"""Shift schedules on the web (issue 16, part 5). The demo has a weekday on-call rota of Rita and
Tom; Tom finds it under Shifts, opens it, takes one of Rita's shifts from the week ahead, sees it
marked as an override with "Remove", and the CLI sees the override too; then he removes it. Every
page reads at 1280 and 390 px and passes the accessibility smoke checks."""
import pytest

import handover_browser as hb

from test_secrets import signed_in_cli


@pytest.fixture(scope="module")
def ada_cli():
    yield from signed_in_cli("ada", "handover-shift-")


def test_a_member_of_the_rota_takes_a_shift(ada_cli, browsers):
    schedules = [s for s in ada_cli.json("shift", "list")["items"] if s["name"] == "Payments on-call"]
    assert len(schedules) == 1, schedules
    schedule = schedules[0]["id"]
    tom = browsers.get("tom")
    hb.go(tom, "/shifts")
    hb.find(tom, f"#schedule-{schedule}", what="the demo rota")
    hb.check_layout(tom, "shifts")
    hb.click(tom, hb.find(tom, f"#schedule-{schedule} a[href='/shifts/{schedule}']"))
    hb.wait_path(tom, rf"^/shifts/{schedule}$")
    week = hb.text_content(hb.find(tom, "#shift-week"))
    assert hb.NAMES["rita"] in week and hb.NAMES["tom"] in week, week
    hb.check_layout(tom, "shift-schedule")
    hb.submit_and_wait(tom, hb.find(tom, "#shift-week form[action$='/take'] button"))
    hb.wait_text(tom, "#flash", "The shift is yours")
    overrides = hb.find(tom, "#overrides")
    assert hb.NAMES["tom"] in hb.text_content(overrides), hb.text_content(overrides)
    assert "(override)" in hb.text_content(hb.find(tom, "#shift-week"))
    hb.check_layout(tom, "shift-taken")
    shown = ada_cli.json("shift", "show", schedule)
    assert [o["memberID"] for o in shown["overrides"]] == [shown["schedule"]["rotation"][1]], shown
    hb.submit_and_wait(tom, hb.find(tom, "#overrides button"))
    hb.wait_text(tom, "#flash", "Override removed")
    assert not hb.exists(tom, "#overrides")
    assert ada_cli.json("shift", "show", schedule)["overrides"] == []
