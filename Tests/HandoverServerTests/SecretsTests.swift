import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import Testing

@Suite struct SecretsTests {
    /// Ids are 32 lowercase hex digits, milliseconds first (so they sort by creation time), and
    /// do not repeat.
    @Test func idsSortByTimeAndDoNotRepeat() {
        let now = Date(millis: 1_780_000_000_123)
        let id = Secrets.newID(at: now)
        #expect(id.count == 32 && id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(id.hasPrefix(String(1_780_000_000_123, radix: 16).leftPadded(to: 12)))
        #expect(Secrets.newID(at: Date(millis: 1_780_000_000_124)) > Secrets.newID(at: now))
        let many = (0..<10_000).map { _ in Secrets.newID(at: now) }
        #expect(Set(many).count == many.count)
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
