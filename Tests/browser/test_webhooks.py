"""Outbound webhooks in a real browser (issue 16): an admin finds Webhooks in the navigation,
adds one (its secret shown once, in the answer to the form), is told why a private address is
refused, rotates the secret, reads the (empty) delivery log and deletes the webhook; a member has
no such page. Both widths and the accessibility smoke checks. Delivery, signatures, retries and
replay against a real receiver are held by WebhookTests and scripts/cli-e2e."""
import handover_browser as hb



def add(driver, url, event):
    hb.fill(driver, hb.find(driver, "form#add-webhook input#url"), url)
    box = hb.find(driver, f"form#add-webhook input#{event}")
    if not box.is_selected():
        hb.click(driver, box)
    hb.submit_and_wait(driver, hb.find(driver, "form#add-webhook button#add-webhook-button"))


def test_an_admin_adds_rotates_and_deletes_a_webhook(browsers):
    ada = browsers.get("ada")
    hb.go(ada, "/")
    hb.click(ada, hb.find(ada, "a#nav-webhooks", what="the Webhooks link"))
    hb.wait_path(ada, r"^/admin/webhooks$")
    hb.wait_text(ada, "h1", "Webhooks")

    add(ada, "https://10.0.0.1/hooks", "event-handover-completed")
    hb.wait_text(ada, "#errors", "private")
    assert not hb.exists(ada, "#webhook-secret"), "a refused webhook showed a secret"

    url = "https://hooks.example.invalid/handover"
    add(ada, url, "event-handover-completed")
    secret = hb.find(ada, "input#webhook-secret").get_attribute("value")
    assert secret.startswith("whsec_") and len(secret) > 30, secret
    row = hb.find(ada, "table#webhooks tr.webhook")
    assert url in row.text and "handover.completed" in row.text and "enabled" in row.text.lower(), row.text
    hb.check_layout(ada, "webhooks")

    hb.submit_and_wait(ada, hb.find(ada, "table#webhooks tr.webhook button.secondary"))
    rotated = hb.find(ada, "input#webhook-secret").get_attribute("value")
    assert rotated.startswith("whsec_") and rotated != secret
    hb.wait_text(ada, "#webhook-secret-card", "previous secret also signs until")

    hb.go(ada, "/admin/webhooks")
    assert not hb.exists(ada, "#webhook-secret"), "the secret was shown again"
    hb.click(ada, hb.find(ada, "table#webhooks a.webhook-url"))
    hb.wait_path(ada, r"^/admin/webhooks/[^/]+$")
    hb.wait_text(ada, "#deliveries-empty", "No deliveries yet")
    hb.check_layout(ada, "webhook-deliveries")

    hb.go(ada, "/admin/webhooks")
    hb.submit_and_wait(ada, hb.find(ada, "table#webhooks tr.webhook button.danger"))
    hb.wait_text(ada, "#webhooks-empty", "No webhooks yet")


def test_a_member_has_no_webhooks_page(browsers):
    rita = browsers.get("rita")
    hb.go(rita, "/")
    assert not hb.exists(rita, "a#nav-webhooks"), "the Webhooks link is for admins"
    hb.go(rita, "/admin/webhooks")
    assert "Webhooks" not in hb.h1_text(rita), f"a member reached the webhooks page: {hb.h1_text(rita)}"
