import ArgumentParser
import Foundation
import ModelStore

/// `--model NAME|PATH`, shared by every command that loads a model. A known name is pulled
/// into the store on first use (with progress), a path is used in place.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A known model name or the path of a .gguf file.")
    var model: String = ModelStore.defaultModelName

    @Option(name: .long, help: "Model store directory (default: $SWITCHYARD_HOME, else ~/.cache/switchyard).")
    var home: String?

    /// The local path of the model file, pulling it first when needed.
    func resolvePath(showProgress: Bool = true) async throws -> String {
        let store = ModelStore(home: home.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) })
        if let present = store.resolve(model) { return present.path }
        let view = PullProgressView(enabled: showProgress)
        do {
            let pulled = try await store.pullModel(model, verify: false) { view.show($0) }
            view.finish()
            return pulled.path.path
        } catch {
            view.abandon()
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }
}
