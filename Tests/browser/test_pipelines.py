"""Process stages in a real browser (issue 15, part 7). The demo seeds a "Customer journey"
pipeline (Sales → Onboarding → Customer success) with four customers, one of them overdue.
The board: a column per stage, overdue said in words, filters by owner and tag as a GET form
(so they work without JavaScript), readable at 1280 and 390 px, no axe violations. The journey
on an account's page: where it stands and who holds it; starting the hand-off to the next stage
opens a handover on that stage's template, and the journey shows it under way."""
import handover_browser as hb


def open_board(driver):
    hb.go(driver, "/")
    hb.click(driver, hb.find(driver, "a#nav-pipelines", what="the Pipelines link"))
    hb.wait_path(driver, r"^/pipelines$")
    hb.click(driver, hb.link_in(driver, "ul#pipelines", "a.pipeline-link", "Customer journey"))
    hb.wait_path(driver, r"^/pipelines/[^/]+$")
    hb.wait_text(driver, "h1", "Customer journey")


def cards(driver, stage):
    column = [c for c in hb.find_all(driver, "#board section.board-column") if hb.text_content(c.find_element("css selector", "h2")).find(stage) >= 0]
    assert column, f"no column for {stage}"
    return [hb.text_content(card) for card in column[0].find_elements("css selector", "li.board-card")]


def test_the_board_shows_each_stage_with_its_accounts_and_marks_the_overdue(browsers):
    maya = browsers.get("maya")
    open_board(maya)
    headings = [hb.text_content(h) for h in hb.find_all(maya, "#board section.board-column h2")]
    assert [h.split(".", 1)[1].split("(")[0].strip() for h in headings] == ["Sales", "Onboarding", "Customer success"], headings
    sales = cards(maya, "Sales")
    assert any("Acme Logistics" in c for c in sales) and any("Globex Retail" in c for c in sales), sales
    assert any("Initech Software" in c for c in cards(maya, "Customer success"))
    umbrella = [c for c in sales if "Umbrella Clinics" in c]
    assert umbrella and "Overdue" in umbrella[0] and "Rita Recipient" in umbrella[0] and "day" in umbrella[0], umbrella
    assert hb.exists(maya, "li.board-card.overdue-card strong.overdue-flag"), "the overdue card is not marked in words"
    region = hb.find(maya, "#board")
    assert region.get_attribute("role") == "region" and region.get_attribute("aria-label"), "the board is not a labelled region"
    hb.check_layout(maya, "pipeline-board")

    # Filters are a GET form: owner, then tag.
    hb.choose(hb.find(maya, "form#board-filters select#owner"), hb.NAMES["rita"])
    hb.submit_and_wait(maya, hb.find(maya, "form#board-filters button#filter"))
    assert "owner=" in maya.current_url, maya.current_url
    # Other tests may hand accounts to Rita meanwhile: every card left is hers, Tom's Acme is not.
    shown = [hb.text_content(card) for card in hb.find_all(maya, "#board li.board-card")]
    assert any("Umbrella Clinics" in c for c in shown) and not any("Acme Logistics" in c for c in shown), shown
    assert all(hb.NAMES["rita"] in c for c in shown), shown


def test_the_tag_filter_works_without_javascript(nojs_driver):
    hb.sign_in(nojs_driver, "tom")
    open_board(nojs_driver)
    hb.fill(nojs_driver, hb.find(nojs_driver, "form#board-filters input#tag"), "retail")
    hb.submit_and_wait(nojs_driver, hb.find(nojs_driver, "form#board-filters button#filter"))
    assert "tag=retail" in nojs_driver.current_url, nojs_driver.current_url
    names = [hb.text_content(a) for a in hb.find_all(nojs_driver, "#board a.account-link")]
    assert names == ["Globex Retail"], names


def test_the_journey_shows_the_stage_and_the_hand_off_under_way(browsers):
    rita = browsers.get("rita")
    hb.go(rita, "/accounts")
    hb.click(rita, hb.link_in(rita, "table#accounts", "a.account-link", "Umbrella Clinics"))
    hb.wait_text(rita, "#journey-now", "Sales")
    assert "held by Rita Recipient" in hb.text_content(hb.find(rita, "#journey-now"))
    assert "placed by Maya Manager" in hb.text_content(hb.find(rita, "table#journey-moves"))
    hb.check_layout(rita, "account-journey")
    recipient = hb.find(rita, "form#advance-form select#recipient option[selected]")
    assert hb.text_content(recipient) == hb.NAMES["tom"], "Onboarding's usual owner is not offered first"
    hb.submit_and_wait(rita, hb.find(rita, "form#advance-form button#advance"))
    hb.wait_path(rita, r"^/handovers/[^/]+$")
    handover = hb.path_of(rita)
    hb.go(rita, "/accounts")
    hb.click(rita, hb.link_in(rita, "table#accounts", "a.account-link", "Umbrella Clinics"))
    hb.wait_text(rita, "#journey-pending", "Onboarding")
    link = hb.find(rita, "#journey-pending a.handover-link")
    assert hb.path_of_link(link) == handover, (hb.path_of_link(link), handover)
    assert not hb.exists(rita, "form#advance-form"), "a second hand-off is offered while one is under way"
