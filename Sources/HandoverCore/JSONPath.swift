/// How a field inside a JSON body is named in problems: `content.contacts[0].name`.
public enum JSONPath {
    public static func member(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    public static func element(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }
}
