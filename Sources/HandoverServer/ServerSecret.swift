import Foundation
import HandoverStore
import HandoverServices
import HandoverTrust

/// The server secret: 32 random bytes, hex in a file readable only by the server's user.
public enum ServerSecret {
    /// Hex (64+ digits) or base64 of at least 32 bytes.
    public static func parse(_ text: String, source: String) throws -> [UInt8] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let bytes = Hex.decode(trimmed), bytes.count >= 32 { return bytes }
        if let data = Data(base64Encoded: trimmed), data.count >= 32 { return Array(data) }
        throw ConfigurationError("\(source) must be at least 32 bytes as hex or base64 (make one with: openssl rand -hex 32)")
    }

    /// Reads the secret at `path`, or creates it (mode 0600) if there is none.
    /// - Returns: the secret and whether it was created now.
    public static func loadOrCreate(at path: String) throws -> (secret: [UInt8], created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            try PrivateFiles.setMode(PrivateFiles.fileMode, of: path)  // a file from an older version may be 0644
            return (try parse(String(contentsOfFile: path, encoding: .utf8), source: path), false)
        }
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in random.next() as UInt8 }
        try PrivateFiles.createFile(at: path, contents: Array((Hex.encode(secret) + "\n").utf8))
        return (secret, true)
    }
}
