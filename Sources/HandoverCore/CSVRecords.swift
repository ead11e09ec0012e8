import Foundation

/// RFC 4180 records, each with the line it starts on, so a bad row is reported where a person
/// sees it in their spreadsheet export. Our own ~80 lines rather than a CSV package: the errors
/// must name the line of a malformed quote, and a pure parser keeps the core free of I/O.
///
/// Accepted: comma separators, CRLF or LF line ends, `"…"` fields with `""` for a quote and
/// line breaks inside, a UTF-8 byte order mark, a lone CR as a line end, blank rows (empty or
/// commas only: skipped). Refused, with the line its record starts on: a quote inside an
/// unquoted field or text after a closing quote (the rest of that physical line is skipped,
/// then parsing goes on), a quote never closed (the rest of the file is that record).
public enum CSVRecords {
    public struct Record: Sendable, Hashable {
        /// 1-based line the record starts on.
        public var line: Int
        public var fields: [String]
    }

    public struct Malformed: Error, Sendable, Hashable {
        public var line: Int
        public var message: String
    }

    /// Every record, or every malformed line (each one reported, then parsing resumes on the next line).
    public static func parse(_ text: String) -> (records: [Record], malformed: [Malformed]) {
        var records: [Record] = []
        var malformed: [Malformed] = []
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var index = 0
        var line = 1
        while index < scalars.count {
            let start = line
            var fields: [String] = []
            var field = String.UnicodeScalarView()
            var bad: String?
            var atFieldStart = true
            var quoted = false
            var anyQuoted = false
            var closed = false
            recordLoop: while true {
                guard index < scalars.count else {
                    if quoted && !closed { bad = "a quoted field is never closed (its opening quote is on line \(start) or later)" }
                    break
                }
                let c = scalars[index]
                index += 1
                if quoted && !closed {
                    if c == "\"" {
                        if index < scalars.count && scalars[index] == "\"" {
                            field.append("\"")
                            index += 1
                        } else {
                            closed = true
                        }
                    } else {
                        if c == "\n" { line += 1 }
                        field.append(c)
                    }
                    continue
                }
                switch c {
                case ",":
                    fields.append(String(field))
                    field = String.UnicodeScalarView()
                    (atFieldStart, quoted, closed) = (true, false, false)
                case "\r" where index < scalars.count && scalars[index] == "\n":
                    continue
                case "\n", "\r":
                    // LF, CRLF (its CR skipped above), or a lone CR (old Mac files) ends the record.
                    line += 1
                    break recordLoop
                case "\"" where atFieldStart:
                    quoted = true
                    anyQuoted = true
                    atFieldStart = false
                default:
                    if closed {
                        bad = "text after a closing quote; a quote inside a quoted field is written twice (\"\")"
                    } else if c == "\"" {
                        bad = "a quote inside an unquoted field; put the field in quotes and write the quote twice (\"\")"
                    } else {
                        field.append(c)
                        atFieldStart = false
                        continue
                    }
                    // Skip to the end of this physical line and report it.
                    while index < scalars.count && scalars[index] != "\n" { index += 1 }
                    if index < scalars.count {
                        index += 1
                        line += 1
                    }
                    break recordLoop
                }
            }
            if let bad {
                malformed.append(Malformed(line: start, message: bad))
                continue
            }
            fields.append(String(field))
            // A blank line, or one of commas only (what a spreadsheet writes for an empty row), is no record.
            if !anyQuoted && fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            records.append(Record(line: start, fields: fields))
        }
        return (records, malformed)
    }
}
