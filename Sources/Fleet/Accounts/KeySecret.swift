import Crypto
import Foundation

/// Making and hashing key secrets: `sy-` and 40 base62 characters (about 238 bits) from the system's
/// CSPRNG (`SystemRandomNumberGenerator`: getrandom(2) on Linux, arc4random on Apple platforms).
enum KeySecret {
    static let prefix = "sy-"
    static let randomLength = 40
    static let displayPrefixLength = 10
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// A new secret.
    static func generate() -> String {
        prefix + randomBase62(count: randomLength)
    }

    /// A new key id: `key_` and 16 base62 characters.
    static func generateID() -> String {
        "key_" + randomBase62(count: 16)
    }

    /// Uniform base62 characters (`Int.random(in:using:)` rejects the biased draws).
    static func randomBase62(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The SHA-256 of the secret's UTF-8 bytes, as 64 lowercase hex digits: what the database keeps.
    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `text` has the shape of a secret (a cheap check before hashing).
    static func looksLikeSecret(_ text: String) -> Bool {
        text.utf8.count == prefix.utf8.count + randomLength && text.hasPrefix(prefix)
    }
}
