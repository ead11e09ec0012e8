import CSV
import Foundation
import HandoverCore

/// Reads an uploaded export one row at a time, whatever its format, so memory stays flat however
/// large the file: CSV through CSV.swift's stream reader, JSON through `JSONRecordSplitter` over
/// 64 KB reads. Not thread-safe: one import's job owns it.
final class ImportReader {
    struct Unreadable: Error, Sendable {
        var message: String
    }

    /// A row: its number as the person sees it (a spreadsheet's row, the header being row 1; a
    /// JSON export's record number) and its values in `headers` order; or why it is no row.
    enum Row {
        case values(row: Int, fields: [String])
        case bad(row: Int, reason: String)
    }

    let headers: [String]
    private let next: () throws -> Row?

    init(path: String, format: ImportRun.Format) throws {
        switch format {
        case .csv:
            guard let stream = InputStream(fileAtPath: path) else { throw Unreadable(message: "the upload is gone; upload the file again") }
            let reader: CSVReader
            do {
                reader = try CSVReader(stream: stream, hasHeaderRow: true)
            } catch {
                throw Unreadable(message: "the file has no header row, or it is not UTF-8 text")
            }
            let headers = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces) }
            if headers.allSatisfy(\.isEmpty) { throw Unreadable(message: "the file has no header row") }
            self.headers = headers
            var row = 1
            next = {
                while let fields = reader.next() {
                    row += 1
                    if fields.allSatisfy({ $0.isEmpty }) { continue }  // a blank line
                    return .values(row: row, fields: fields)
                }
                // CSV.swift records why it stopped: bytes that are not UTF-8, or a failed read. At
                // the end of a file on Linux it also records `cannotReadFile` (the stream said it
                // had bytes, then read none), which is no error.
                switch reader.error as? CSVError {
                case .unicodeDecoding?: throw Unreadable(message: "the file is not UTF-8 text after row \(row)")
                case .streamErrorHasOccurred?: throw Unreadable(message: "the upload could not be read after row \(row)")
                default: return nil
                }
            }
        case .json, .jsonl:
            let records = try JSONRows(path: path, lines: format == .jsonl)
            guard let first = try records.peekKeys() else { throw Unreadable(message: "the file holds no records (a list of objects)") }
            headers = first
            next = { try records.next(headers: first) }
        }
    }

    func nextRow() throws -> Row? { try next() }

    /// How many rows the file roughly has, for progress: its line breaks less the header's (CSV;
    /// a quoted line break counts too, so it may run over), its records (JSON).
    static func estimateRows(path: String, format: ImportRun.Format) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Unreadable(message: "the upload is gone; upload the file again") }
        defer { try? handle.close() }
        var lines = 0
        var last: UInt8 = UInt8(ascii: "\n")
        var splitter = JSONRecordSplitter(lines: format == .jsonl)
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            if format == .csv {
                chunk.withUnsafeBytes { bytes in
                    for byte in bytes where byte == UInt8(ascii: "\n") { lines += 1 }
                }
                last = chunk.last ?? last
            } else {
                do { _ = try splitter.feed(chunk) } catch { break }
            }
        }
        if format != .csv { return splitter.count }
        if last != UInt8(ascii: "\n") { lines += 1 }
        return max(0, lines - 1)
    }
}

/// A JSON export's records, read 64 KB at a time.
private final class JSONRows {
    private let handle: FileHandle
    private var splitter: JSONRecordSplitter
    private var pending: [[UInt8]?] = []
    private var number = 0
    private var ended = false

    init(path: String, lines: Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportReader.Unreadable(message: "the upload is gone; upload the file again") }
        self.handle = handle
        self.splitter = JSONRecordSplitter(lines: lines)
    }

    deinit { try? handle.close() }

    private func fill() throws {
        while pending.isEmpty, !ended {
            guard let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty else {
                ended = true
                do { try splitter.finish() } catch let error as JSONRecordSplitter.Malformed {
                    throw ImportReader.Unreadable(message: "the JSON is cut short or malformed: \(error.message)")
                }
                return
            }
            do { pending += try splitter.feed(chunk) } catch let error as JSONRecordSplitter.Malformed {
                throw ImportReader.Unreadable(message: "the JSON is malformed near record \(splitter.count + 1): \(error.message)")
            }
        }
    }

    /// The first record's keys (the file's headers), without consuming it.
    func peekKeys() throws -> [String]? {
        try fill()
        for record in pending {
            if let record, let pairs = try? JSONRecordSplitter.flatten(record) { return pairs.map(\.key) }
        }
        return nil
    }

    func next(headers: [String]) throws -> ImportReader.Row? {
        try fill()
        guard !pending.isEmpty else { return nil }
        let record = pending.removeFirst()
        number += 1
        guard let record, let pairs = try? JSONRecordSplitter.flatten(record) else { return .bad(row: number, reason: "is not a JSON object") }
        var values: [String: String] = [:]
        for pair in pairs { values[pair.key] = pair.value }
        return .values(row: number, fields: headers.map { values[$0] ?? "" })
    }
}
