/// Test code by the conventions of the languages the audit reads.
enum TestCode {
    /// Directories that hold tests.
    static let directories: Set<String> = ["test", "tests", "__tests__", "spec", "specs", "testdata", "Tests"]

    /// Whether `path` (relative to the scanned root) is a test file or lies in a test directory.
    static func isTest(path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let name = components.last else { return false }
        if components.dropLast().contains(where: { directories.contains(String($0)) }) { return true }
        let file = String(name)
        if file == "conftest.py" || file.hasPrefix("test_") && file.hasSuffix(".py") { return true }
        let stem = file.split(separator: ".").first.map(String.init) ?? file
        if file.hasSuffix("_test.py") || file.hasSuffix("_test.go") || file.hasSuffix("_spec.rb") || file.hasSuffix("_test.rb") { return true }
        if file.contains(".test.") || file.contains(".spec.") { return true }
        return (file.hasSuffix(".java") || file.hasSuffix(".kt") || file.hasSuffix(".swift")) && (stem.hasSuffix("Test") || stem.hasSuffix("Tests"))
    }
}
