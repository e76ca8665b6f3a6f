import ArgumentParser
import Foundation
import GGUF
import Tokenization

/// `switchyard tokenize`: shows how a model's tokenizer splits a text (ids and pieces).
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a GGUF model's tokenizer, as llama.cpp would.")

    @OptionGroup var modelOptions: ModelOptions

    @Flag(name: .long, help: "Treat special-token text such as <|im_start|> as plain text.")
    var noSpecial = false

    @Flag(name: .long, help: "Print a JSON object instead of one line per token.")
    var json = false

    @Argument(help: "The text to tokenize (read from standard input when omitted).")
    var text: String?

    func run() async throws {
        // A catalogue name is pulled on first use; progress only when it cannot corrupt --json output.
        let model = try await modelOptions.resolvePath(showProgress: true)
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(gguf: GGUFFile(path: model))
        } catch {
            throw TokenizeFailure(message: "cannot load a tokenizer from \(model): \(error)")
        }
        let input = text ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let ids = tokenizer.encode(input, parseSpecial: !noSpecial)
        if json {
            let object: [String: Any] = ["ids": ids, "pieces": ids.map(tokenizer.tokenText), "count": ids.count]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for id in ids { print(id, tokenizer.tokenText(id).debugDescription, separator: "\t") }
            print("\(ids.count) tokens")
        }
    }
}

/// A failure that is not a usage mistake: printed as "Error: <message>", exit status 1.
struct TokenizeFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
