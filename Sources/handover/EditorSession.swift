import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// 'handover edit ID --interactive': the content in the user's editor and back. Nothing typed is
/// lost: the file is deleted only once the server has saved it; on invalid JSON or a refused save
/// the reason is printed and, from a terminal, the editor reopens on the same file; otherwise the
/// command fails naming the file, for 'handover edit ID --file PATH'.
struct EditorSession {
    var id: String
    var client: HandoverAPIClient
    var output: OutputOptions

    func run() async throws {
        let current = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)", as: Handover.self) }
        let template = try await CLIErrors.run {
            try await client.get("/api/v1/templates/\(current.value.templateKey)?version=\(current.value.templateVersion)", as: Template.self)
        }.value
        let original = ContentFile.text(content: current.value.content, template: template, version: current.value.version)
        let url = try Self.privateFile(named: "handover-\(id)", contents: original)
        let keep = "Your text is kept in \(url.path); fix it and run 'handover edit \(id) --file \(url.path)'."
        while true {
            try Self.openEditor(on: url)
            guard let data = FileManager.default.contents(atPath: url.path) else { throw CLIError("\(url.path) is gone; nothing was saved.") }
            if data == original {
                try? FileManager.default.removeItem(at: url)
                try output.emit(["saved": .bool(false)]) { print("No changes; nothing saved.") }
                return
            }
            do {
                let patch = try ContentFile.patch(from: data)
                let reply = try await CLIErrors.run {
                    try await client.send(.PATCH, "/api/v1/handovers/\(id)", json: EditHandoverRequest(content: patch), ifMatch: current.etag, as: Handover.self)
                }
                try? FileManager.default.removeItem(at: url)
                let lint = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/lint", as: LintReport.self) }
                output.emit(raw: reply.json) { print(Edit.saved(reply.value, lint.value)) }
                return
            } catch let error as CLIError where error.problem?.status == 412 {
                // Someone saved meanwhile: reopening would be refused again. Start over from theirs.
                throw CLIError(
                    "Not saved: the handover changed since your editor opened (someone saved it). Your text is kept in \(url.path); "
                        + "run 'handover edit \(id) --interactive' again to start from the saved version and copy your changes over.", problem: error.problem)
            } catch let error as CLIError {
                // Reopen only where someone can answer; a script gets the reason and the file's path.
                guard isatty(STDIN_FILENO) == 1 else { throw CLIError("Not saved. \(error.description)\n\(keep)", problem: error.problem) }
                FileHandle.standardError.write(Data("Not saved. \(error.description)\nReopen the editor to fix it? [Y/n] ".utf8))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "n"
                guard answer.isEmpty || answer.hasPrefix("y") else { throw CLIError("Not saved. \(keep)") }
            }
        }
    }

    /// Written with 0600 permissions (the content may name people and systems), never over a file.
    static func privateFile(named name: String, contents: Data) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
        for _ in 0..<10 {
            let url = directory.appendingPathComponent("\(name)-\(UInt32.random(in: 0...UInt32.max)).json")
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd < 0 { if errno == EEXIST { continue } else { break } }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            try handle.write(contentsOf: contents)
            return url
        }
        throw CLIError("Could not create a private file in \(directory.path): \(String(cString: strerror(errno)))")
    }

    /// Runs $VISUAL, else $EDITOR, else vi, through the shell (so "code --wait" works), on `url`.
    static func openEditor(on url: URL) throws {
        let environment = ProcessInfo.processInfo.environment
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", url.path]
        do { try process.run() } catch { throw CLIError("Could not start the editor (\(editor)): \(error.localizedDescription). Your text is in \(url.path).") }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("The editor (\(editor)) exited with status \(process.terminationStatus); nothing was saved. Your text is in \(url.path).")
        }
    }
}
