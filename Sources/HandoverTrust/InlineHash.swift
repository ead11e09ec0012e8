import Crypto

/// A SHA-256 hash held in four words rather than an array: no allocation, copied and compared
/// as a value. The frontier keeps its nodes this way because a verifier forms about one node per
/// entry, and two heap arrays per entry cost more than the hashing.
struct InlineHash: Equatable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256Digest) {
        words = (0, 0, 0, 0)
        digest.withUnsafeBytes { source in withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) } }
    }

    /// `bytes` must be 32 long: callers validate hashes from outside before they get here.
    init(_ bytes: TreeHash) {
        precondition(bytes.count == 32, "a tree hash is 32 bytes")
        words = (0, 0, 0, 0)
        bytes.withUnsafeBytes { source in withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) } }
    }

    var bytes: TreeHash { withUnsafeBytes(of: words) { Array($0) } }

    /// SHA-256(0x01 || left || right), hashed in one call over a 65-byte buffer (three
    /// incremental updates cost twice as much).
    static func node(_ left: InlineHash, _ right: InlineHash) -> InlineHash {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            buffer[0] = 0x01
            withUnsafeBytes(of: left.words) { UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: $0) }
            withUnsafeBytes(of: right.words) { UnsafeMutableRawBufferPointer(rebasing: buffer[33..<65]).copyMemory(from: $0) }
            return InlineHash(SHA256.hash(data: UnsafeRawBufferPointer(buffer)))
        }
    }

    static func == (a: InlineHash, b: InlineHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
}
