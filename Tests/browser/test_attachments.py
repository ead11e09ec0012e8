"""Attachments in a real browser (issue 15, part 8). Tom opens his handover, uploads an image
and a small video with the page's uploader (attach.js: the raw file, with progress); the image
shows inline, the video gets an HTML5 player whose source answers range requests (206 with
Content-Range, what seeking uses). The account page has the section too. Without JavaScript the
page says how to upload with the CLI. Pages read at 1280 and 390 px and pass the accessibility
smoke checks. Python writes the files: a real PNG (zlib) and an MP4-typed file (a valid video
cannot be made without an encoder, so the player's range requests are checked from the page)."""
import os
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

import handover_browser as hb
from test_secrets import signed_in_cli


def png(width=24, height=16):
    """A real (decodable) RGB PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"".join(bytes([(x * 10) % 256, (y * 15) % 256, 120]) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def files():
    with tempfile.TemporaryDirectory(prefix="handover-attach-") as path:
        folder = Path(path)
        (folder / "diagram.png").write_bytes(png())
        (folder / "walkthrough.mp4").write_bytes(struct.pack(">I", 24) + b"ftypisom" + b"\x00" * 12 + os.urandom(40_000))
        yield folder


@pytest.fixture(scope="module")
def tom_cli():
    yield from signed_in_cli("tom", "handover-attach-cli-")


def upload(driver, path):
    form = hb.find(driver, "form#attach-form", what="the uploader")
    assert form.is_displayed(), "the uploader stays hidden although JavaScript runs"
    hb.find(driver, "input#attach-file").send_keys(str(path))
    before = driver.execute_script("return performance.timeOrigin")
    hb.click(driver, hb.find(driver, "form#attach-form button[type=submit]"))
    hb.wait_until(driver, lambda d: d.execute_script("return performance.timeOrigin") != before, f"the page to reload after uploading {path.name}")
    hb.wait_text(driver, "#attachments", path.name)


def test_images_and_video_on_the_handover_page(browsers, files, tom_cli):
    handovers = tom_cli.json("list", "--state", "draft")["items"]
    handover = next(h for h in handovers if h["transferorID"] != h["recipientID"])["id"]
    tom = browsers.get("tom")
    hb.go(tom, f"/handovers/{handover}")
    hb.wait_text(tom, "#attachments-title", "Attachments")

    upload(tom, files / "diagram.png")
    image = hb.find(tom, "#attachments img.attachment-image", what="the image")
    hb.wait_until(tom, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 24, "the image to load")
    assert image.get_attribute("alt") == "diagram.png"

    upload(tom, files / "walkthrough.mp4")
    video = hb.find(tom, "#attachments video.attachment-video[controls]", what="the video player")
    source = video.get_attribute("src")
    assert "/api/v1/attachments/" in source and video.get_attribute("preload") == "metadata", source
    # What a player's seek sends: a range request, answered 206 with the exact part.
    answer = tom.execute_async_script(
        """const done = arguments[arguments.length - 1];
        fetch(arguments[0], {headers: {Range: 'bytes=100-199'}})
          .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('Content-Range'), b.byteLength, r.headers.get('Accept-Ranges')])))
          .catch(e => done(['error', String(e)]));""", source)
    size = (files / "walkthrough.mp4").stat().st_size
    assert answer == [206, f"bytes 100-199/{size}", 100, "bytes"], answer
    rows = hb.text_content(hb.find(tom, "#attachments"))
    assert "image/png" in rows and "video/mp4" in rows and hb.NAMES["tom"] in rows, rows
    hb.check_layout(tom, "handover-attachments")

    # The CLI lists what the page uploaded, and removes one; the page follows.
    listed = tom_cli.json("attachments", "--handover", handover)["items"]
    assert sorted(a["name"] for a in listed) == ["diagram.png", "walkthrough.mp4"], listed
    hb.submit_and_wait(tom, hb.find(tom, "#attachments form.delete-attachment button"))
    hb.wait_text(tom, "#attachments", "walkthrough.mp4")
    assert "diagram.png" not in hb.text_content(hb.find(tom, "#attachments"))


def test_the_account_page_has_attachments_and_says_what_to_do_without_javascript(browsers, nojs_driver, tom_cli, files):
    handover = tom_cli.json("list", "--state", "draft")["items"][0]
    account = tom_cli.json("show", handover["id"])["accountID"]
    tom = browsers.get("tom")
    hb.go(tom, f"/accounts/{account}")
    hb.wait_text(tom, "#attachments-title", "Attachments")
    upload(tom, files / "diagram.png")
    hb.check_layout(tom, "account-attachments")

    hb.sign_in(nojs_driver, "tom")
    hb.go(nojs_driver, f"/accounts/{account}")
    section = hb.text_content(hb.find(nojs_driver, "#attachments"))
    assert "needs JavaScript" in section and f"handover attach FILE --account {account}" in section, section
    assert not hb.find(nojs_driver, "form#attach-form").is_displayed()
