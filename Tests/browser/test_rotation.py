"""The rotation report (/secrets/rotation) in a real browser: reached from the navigation, its
filter keeps the choice, it reads at 1280 and 390 px, and it passes the accessibility smoke
checks. The demo seals no secrets, so it shows its empty states; what it lists is held by
RotationPageViewTests (models built by hand) and SecretExposureTests (the services)."""
import handover_browser as hb


def test_the_rotation_report_from_the_navigation(browsers):
    tom = browsers.get("tom")
    hb.go(tom, "/")
    hb.click(tom, hb.find(tom, "a#nav-rotation", what="the Rotation link"))
    hb.wait_path(tom, r"^/secrets/rotation$")
    hb.wait_text(tom, "h1", "Secrets to rotate")
    assert hb.find(tom, "a#nav-rotation").get_attribute("aria-current") == "page"
    hb.wait_text(tom, "#rotation-empty", "Nothing to rotate")
    assert not hb.exists(tom, "section#rotations"), "the home page lists overdue rotations only when there are some"

    hb.choose(hb.find(tom, "select#state"), "All")
    hb.submit_and_wait(tom, hb.find(tom, "#rotation-filters button#filter"))
    assert "state=all" in tom.current_url, tom.current_url
    hb.wait_text(tom, "#rotation-empty", "No secret has been exposed")
    assert hb.find(tom, "select#state option[selected]").text == "All"

    for width in hb.WIDTHS:
        path = hb.screenshot(tom, "rotation", width)
        assert path.stat().st_size > 1000, f"{path} is suspiciously small"
    problems = hb.accessibility_problems(tom)
    hb.set_viewport(tom, 390)
    overflow = hb.horizontal_overflow(tom, 390)
    if overflow:
        problems.append(f"scrolls sideways at 390 px: scrollWidth {overflow}; sticking out: {hb.widest_elements(tom, 390)}")
    hb.set_viewport(tom, 1280)
    assert not problems, "; ".join(problems)
