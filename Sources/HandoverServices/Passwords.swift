import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Password hashing with bcrypt, off the event loops (one hash costs ~0.2 s at cost 12).
public struct Passwords: Sendable {
    public var cost: Int

    public init(cost: Int = 12) {
        precondition(cost >= 12, "bcrypt cost below 12 is too weak")
        self.cost = cost
    }

    public static let minimumLength = 10

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: UInt8(cost)) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Verifies against a fixed hash so that an unknown email costs as long as a wrong password.
    public func verifyDummy(_ password: String) async throws {
        _ = try await verify(password, hash: Self.dummyHash)
    }

    static let dummyHash = Bcrypt.hash("handover-dummy-password", cost: 12)

    /// Why a password is unacceptable, or nil.
    public static func weakness(of password: String) -> String? {
        if password.count < minimumLength { return "a password needs at least \(minimumLength) characters" }
        if password.count > 72 { return "bcrypt uses at most 72 bytes; choose a password of 72 characters or fewer" }
        return nil
    }
}
