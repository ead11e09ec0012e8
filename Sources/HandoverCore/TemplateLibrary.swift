import Foundation

/// The built-in templates shipped with the package as JSON resources.
public enum TemplateLibrary {
    /// Every built-in template, loaded once from the package's resources.
    public static let builtIns: [Template] = resourceFiles().compactMap { url in
        guard let data = try? Data(contentsOf: url), case .success(let template) = Template.parse(data) else { return nil }
        return template
    }

    /// Problems in the built-in resources, by file name; a test keeps this empty.
    public static func builtInProblems() -> [String: [Problem]] {
        var result: [String: [Problem]] = [:]
        for url in resourceFiles() {
            guard let data = try? Data(contentsOf: url) else {
                result[url.lastPathComponent] = [Problem(path: "", message: "unreadable")]
                continue
            }
            if case .failure(let error) = Template.parse(data) { result[url.lastPathComponent] = error.problems }
        }
        return result
    }

    public static func builtIn(key: String) -> Template? {
        builtIns.first { $0.key == key }
    }

    private static func resourceFiles() -> [URL] {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0) }
    }
}
