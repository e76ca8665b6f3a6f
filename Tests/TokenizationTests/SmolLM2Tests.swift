import Testing
import Tokenization

/// The SmolLM2 vocabulary's properties and edge cases of encoding and decoding.
@Suite struct SmolLM2Tests {
    @Test func vocabularyAndSpecialTokens() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        #expect(tokenizer.vocabularySize == 49152)
        #expect(tokenizer.bosTokenID == 1)
        #expect(tokenizer.eosTokenID == 2)
        #expect(!tokenizer.addsBOS)
        #expect(tokenizer.tokenID(forPiece: "<|im_start|>") == 1)
        #expect(tokenizer.tokenID(forPiece: "<|im_end|>") == 2)
        #expect(tokenizer.tokenID(forPiece: "<|endoftext|>") == 0)
        #expect(tokenizer.tokenID(forPiece: "ĠHello") == tokenizer.encode(" Hello").first)
        #expect(tokenizer.tokenID(forPiece: "no such piece in the vocabulary") == nil)
        // llama.cpp: <|im_end|> (eos), <|endoftext|> by text, and <reponame> as the FIM repo token.
        #expect(tokenizer.endOfGenerationTokenIDs == [0, 2, 4])
        #expect(tokenizer.isSpecial(1) && tokenizer.isSpecial(2))
        #expect(!tokenizer.isSpecial(19556))
        #expect(!tokenizer.isSpecial(-1) && !tokenizer.isSpecial(49152))
        #expect(tokenizer.tokenBytes(2) == Array("<|im_end|>".utf8))
        #expect(tokenizer.tokenText(19556) == "Hello")
        #expect(tokenizer.tokenBytes(49152).isEmpty)
    }

    @Test func allTokenBytesMatchesTokenBytes() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let all = tokenizer.allTokenBytes
        #expect(all.count == tokenizer.vocabularySize)
        for id in [0, 1, 2, 197, 216, 19556, 49151] { #expect(all[id] == tokenizer.tokenBytes(id)) }
        // Printable ASCII, tab and newline are tokens of their own.
        let singleBytes = Set(all.filter { $0.count == 1 }.map { $0[0] })
        #expect(([9, 10] + Array(32..<127)).allSatisfy { singleBytes.contains(UInt8($0)) })
        // A few control bytes (0x04 among them) have no token: llama.cpp drops them, and so do we.
        #expect(!singleBytes.contains(0x04))
        #expect(tokenizer.decode(tokenizer.encode("a\u{04}b")) == "ab")
    }

    @Test func emptyAndWhitespaceOnly() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        #expect(tokenizer.encode("").isEmpty)
        #expect(tokenizer.decode([]).isEmpty)
        for text in [" ", "   ", "\n", "\t \n  \r\n", "\u{3000}\u{00A0} "] {
            let ids = tokenizer.encode(text)
            #expect(!ids.isEmpty)
            #expect(tokenizer.decode(ids) == text)
        }
    }

    @Test func longDigitRunsSplitIntoSingleDigits() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let digits = String(repeating: "9876543210", count: 20)
        let ids = tokenizer.encode(digits)
        #expect(ids.count == 200)  // smollm: every \p{N} scalar is its own word
        #expect(ids.map(tokenizer.tokenText) == digits.map(String.init))
        #expect(tokenizer.encode(" 42") == [216] + tokenizer.encode("4") + tokenizer.encode("2"))
    }

    @Test func mixedScriptsRoundTrip() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let texts = [
            "Ελληνικά и русский, עברית و العربية, हिन्दी, ไทย, 한국어, 日本語 ㊗️ ½ ⅷ",
            "e\u{301}\u{302} combining marks, ZWJ 👩‍💻, flags 🇫🇷🇯🇵, keycap 1️⃣",
            "\u{10FFFF}\u{E000}\u{1F9D1}\u{200D}\u{1F384} private use and astral",
        ]
        for text in texts {
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
            #expect(tokenizer.decode(tokenizer.encode(text, parseSpecial: false)) == text)
        }
    }

    @Test func specialTokenTextWithParsingOff() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let text = "a<|im_start|>b<|im_end|><|endoftext|><reponame>"
        let parsed = tokenizer.encode(text, parseSpecial: true)
        #expect(parsed.filter { tokenizer.isSpecial($0) } == [1, 2, 0, 4])
        let plain = tokenizer.encode(text, parseSpecial: false)
        #expect(plain.allSatisfy { !tokenizer.isSpecial($0) })
        #expect(tokenizer.decode(plain) == text)
        #expect(tokenizer.decode(parsed) == text)
        #expect(tokenizer.decode(parsed, skipSpecial: true) == "ab")
        // A partial special token is ordinary text.
        #expect(tokenizer.encode("<|im_start|").allSatisfy { !tokenizer.isSpecial($0) })
    }

    @Test func invalidUTF8DecodesToReplacementCharacters() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let euro = tokenizer.encode("€")  // E2 82 AC as byte tokens
        let bytes = euro.flatMap(tokenizer.tokenBytes)
        #expect(bytes == [0xE2, 0x82, 0xAC])
        // Only the first two bytes: an incomplete character.
        let lead = try #require(byteToken(0xE2, tokenizer))
        let continuation = try #require(byteToken(0x82, tokenizer))
        #expect(tokenizer.decode([lead, continuation]) == "\u{FFFD}")
        #expect(tokenizer.decode([continuation, 19556]) == "\u{FFFD}Hello")
        #expect(tokenizer.tokenText(continuation) == "\u{FFFD}")
    }

    @Test func sameWordsEncodeTheSameEverywhere() throws {
        let tokenizer = try SmolLM2Tokenizer.load()
        let sentence = "The cache must not change results: the the the, The The."
        let once = tokenizer.encode(sentence)
        let repeated = tokenizer.encode(String(repeating: sentence + "\n", count: 50))
        #expect(repeated.count == 50 * (once.count + 1))
        #expect(Array(repeated.prefix(once.count)) == once)
    }
}

/// The token whose bytes are exactly `byte`, if the vocabulary has one.
func byteToken(_ byte: UInt8, _ tokenizer: Tokenizer) -> Int? {
    (0..<tokenizer.vocabularySize).first { tokenizer.tokenBytes($0) == [byte] }
}

/// One tokenizer serves concurrent requests (it is immutable after loading).
@Test func concurrentEncodingAgrees() async throws {
    let tokenizer = try SmolLM2Tokenizer.load()
    let texts = (0..<16).map { "request \($0): <|im_start|>user\nCount to \($0 * 37) please 😀<|im_end|>" }
    let expected = texts.map { tokenizer.encode($0) }
    let results = await withTaskGroup(of: (Int, [Int]).self) { group in
        for (index, text) in texts.enumerated() { group.addTask { (index, tokenizer.encode(text)) } }
        var results = [[Int]](repeating: [], count: texts.count)
        for await (index, ids) in group { results[index] = ids }
        return results
    }
    #expect(results == expected)
}
