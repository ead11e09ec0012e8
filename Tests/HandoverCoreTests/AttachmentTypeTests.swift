import Foundation
import HandoverCore
import Testing

/// Type sniffing, names and ranges for attachments.
@Suite struct AttachmentTypeTests {
    @Test func sniffsTheTypesThatMatterFromTheirFirstBytes() {
        func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
        let cases: [([UInt8], String)] = [
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], "image/png"),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "image/jpeg"),
            (ascii("GIF89a") + [1, 0], "image/gif"),
            (ascii("RIFF") + [0, 0, 0, 0] + ascii("WEBPVP8 "), "image/webp"),
            (ascii("%PDF-1.7\n"), "application/pdf"),
            ([0, 0, 0, 0x20] + ascii("ftypisom") + [0, 0], "video/mp4"),
            ([0, 0, 0, 0x14] + ascii("ftypqt  ") + [0, 0], "video/quicktime"),
            ([0x1A, 0x45, 0xDF, 0xA3, 0x9F], "video/webm"),
            (ascii("ID3") + [4, 0, 0], "audio/mpeg"),
            (ascii("OggS") + [0, 2], "audio/ogg"),
            ([0x50, 0x4B, 0x03, 0x04, 0x14], "application/zip"),
            (ascii("Hello, world.\nSecond line: é ü 日本\n"), "text/plain"),
            (ascii("  <svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "image/svg+xml"),
            (ascii("<?xml version=\"1.0\"?>\n<svg></svg>"), "image/svg+xml"),
            (ascii("<!DOCTYPE html><p>hi"), "text/html"),
            (ascii("\u{FEFF}<html>"), "text/html"),
            ([0, 1, 2, 3, 0xFF, 0xFE], "application/octet-stream"),
            ([0xC3, 0x28, 0x41], "application/octet-stream"),
        ]
        for (bytes, type) in cases { #expect(AttachmentType.sniff(bytes) == type, "\(bytes.prefix(12))") }
        // A multi-byte character cut by the sample's end is still text.
        let long = Array(String(repeating: "é", count: 400).utf8)
        #expect(AttachmentType.sniff(long) == "text/plain")
        #expect(AttachmentType.inlineTypes.isDisjoint(with: ["image/svg+xml", "text/html", "application/zip", "application/octet-stream"]))
    }

    @Test func namesAreFileNamesOnly() {
        for good in ["report.pdf", "Walkthrough — part 1.mp4", "日本.txt", ".hidden"] { #expect(AttachmentName.problem(good) == nil, "\(good)") }
        for bad in ["", "   ", "a/b", "..\\x", "..", ".", "tab\there", "nul\u{0}", String(repeating: "x", count: 201), "rtl\u{202E}gpj.exe"] {
            #expect(AttachmentName.problem(bad) != nil, "\(bad)")
        }
    }

    @Test func rangesFollowRFC9110() {
        #expect(ByteRange.parse(nil, size: 10) == .whole)
        #expect(ByteRange.parse("bytes=0-0", size: 10) == .part(0...0))
        #expect(ByteRange.parse("bytes=2-5", size: 10) == .part(2...5))
        #expect(ByteRange.parse("bytes=7-", size: 10) == .part(7...9))
        #expect(ByteRange.parse("bytes=-3", size: 10) == .part(7...9))
        #expect(ByteRange.parse("bytes=-30", size: 10) == .part(0...9))
        #expect(ByteRange.parse("bytes=5-100", size: 10) == .part(5...9))
        #expect(ByteRange.parse("bytes=10-", size: 10) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=-0", size: 10) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=0-1,3-4", size: 10) == .whole)
        #expect(ByteRange.parse("bytes=5-2", size: 10) == .whole)
        #expect(ByteRange.parse("items=0-1", size: 10) == .whole)
        #expect(ByteRange.parse("bytes=x-1", size: 10) == .whole)
    }
}
