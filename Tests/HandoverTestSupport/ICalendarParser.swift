import Foundation

/// Reads an iCalendar object back with Python's `icalendar` package (`Tests/smtp/parse_ics.py`,
/// the same Python as the test SMTP server): proof that what Handover writes parses outside
/// Handover. Without the package those tests are skipped, unless HANDOVER_SMTP_TESTS=required.
public enum ICalendarParser {
    public struct Parsed: Decodable, Sendable {
        public struct Event: Decodable, Sendable {
            public struct Attendee: Decodable, Sendable {
                public var address: String
                public var name: String?
                public var partstat: String?
                public var role: String?
                public var rsvp: String?
            }
            public var uid: String
            public var sequence: Int
            public var summary: String
            public var description: String
            public var location: String
            public var status: String
            public var start: String
            public var end: String
            public var allDay: Bool
            public var organizer: String?
            public var organizerName: String?
            public var attendees: [Attendee]
        }
        public var method: String
        public var version: String
        public var prodid: String
        public var events: [Event]
        public var errors: [String]
    }

    /// Whether `icalendar` can be imported by the tests' Python.
    public static let available: Bool = {
        let check = ChildProcess()
        check.executableURL = URL(fileURLWithPath: TestSMTPServer.python)
        check.arguments = ["-c", "import icalendar, aiosmtpd"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        do { try check.run() } catch { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }()

    public static func parse(_ text: String) throws -> Parsed {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: TestSMTPServer.python)
        process.arguments = [TestSMTPServer.repositoryRoot.appendingPathComponent("Tests/smtp/parse_ics.py").path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let failure = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("icalendar could not parse it: \(String(decoding: failure, as: UTF8.self))")
        }
        return try JSONDecoder().decode(Parsed.self, from: data)
    }
}
