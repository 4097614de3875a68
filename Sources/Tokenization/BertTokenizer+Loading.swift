// swift-bert — BERT tokenization.

import Foundation
import _JSONKeys
import _RegularFile

extension BertTokenizer {
    /// Loads the tokenizer of a Hugging Face model folder.
    ///
    /// Like transformers' `AutoTokenizer.from_pretrained`, prefers `tokenizer.json` (all that
    /// transformers 5 saves) and otherwise reads `vocab.txt` with the options of
    /// `tokenizer_config.json` (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`,
    /// the special tokens, `model_max_length`).
    /// - Throws: ``TokenizerError`` naming the file and field at fault.
    public static func load(from folder: URL) throws -> BertTokenizer {
        let tokenizerJSON = folder.appendingPathComponent("tokenizer.json")
        let vocabText = folder.appendingPathComponent("vocab.txt")
        let config = try readConfig(folder.appendingPathComponent("tokenizer_config.json"))
        if FileManager.default.fileExists(atPath: tokenizerJSON.path) {
            return try load(tokenizerJSON: tokenizerJSON, config: config)
        }
        guard FileManager.default.fileExists(atPath: vocabText.path) else {
            throw TokenizerError.missingVocabulary(folder: folder.path)
        }
        return try load(vocabulary: vocabText, config: config)
    }

    /// Loads from `vocab.txt` plus the options of `tokenizer_config.json`, as transformers'
    /// slow `BertTokenizer(vocab_file, do_lower_case=...)`.
    static func load(vocabulary url: URL, config: TokenizerConfig) throws -> BertTokenizer {
        let data = try readFile(url)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "not UTF-8 text")
        }
        let vocabulary = Vocabulary.parse(vocabText: text)
        let normalizer = BertNormalizer(
            cleanText: true, handleChineseCharacters: config.tokenizeChineseChars ?? true,
            stripAccents: config.stripAccents, lowercase: config.doLowerCase ?? true)
        let specials = try config.specialTokens(in: vocabulary, file: url.path)
        let added = config.specialTokenStrings.compactMap { token in
            vocabulary.id(for: token).map { AddedToken(content: token, id: $0) }
        }
        return BertTokenizer(
            vocabulary: vocabulary, normalizer: normalizer, specialTokens: specials,
            addedTokens: added, modelMaxLength: config.modelMaxLength)
    }

    /// Loads from a `tokenizers` `tokenizer.json` with a BertNormalizer, BertPreTokenizer and
    /// WordPiece model.
    static func load(tokenizerJSON url: URL, config: TokenizerConfig) throws -> BertTokenizer {
        let file = url.path
        let root = try readJSONObject(url)
        let model = try object(root["model"], file: file, field: "model")
        guard let modelType = model["type"] as? String, modelType == "WordPiece" else {
            throw TokenizerError.unsupported(
                file: file, field: "model.type", value: "\(model["type"] ?? "null")")
        }
        let vocabMap = try object(model["vocab"], file: file, field: "model.vocab")
        let addedEntries = root["added_tokens"] as? [[String: Any]] ?? []
        // Ids index an array: they must lie within the tokens the file defines, so an id of
        // 10^12 is an error rather than a terabyte allocation.
        let idLimit = min(vocabMap.count + addedEntries.count, maximumVocabularySize)
        guard vocabMap.count <= maximumVocabularySize else {
            throw TokenizerError.invalidField(
                file: file, field: "model.vocab",
                reason: "\(vocabMap.count) tokens, more than \(maximumVocabularySize)")
        }
        var tokens = [String](repeating: "", count: vocabMap.count)
        for (token, value) in vocabMap {
            guard let id = value as? Int, (0..<idLimit).contains(id) else {
                throw TokenizerError.invalidField(
                    file: file, field: "model.vocab.\(token)",
                    reason: "id \(value) is not an integer in 0..<\(idLimit)")
            }
            if id >= tokens.count { tokens.append(contentsOf: repeatElement("", count: id - tokens.count + 1)) }
            tokens[id] = token
        }
        let vocabulary = Vocabulary(tokens: tokens)
        let normalizer = try parseNormalizer(root["normalizer"], file: file)
        if let pre = root["pre_tokenizer"] as? [String: Any] {
            guard pre["type"] as? String == "BertPreTokenizer" else {
                throw TokenizerError.unsupported(
                    file: file, field: "pre_tokenizer.type", value: "\(pre["type"] ?? "null")")
            }
        }
        var added: [AddedToken] = []
        for entry in addedEntries {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int else {
                throw TokenizerError.invalidField(
                    file: file, field: "added_tokens", reason: "entry without content or id")
            }
            guard (0..<idLimit).contains(id) else {
                throw TokenizerError.invalidField(
                    file: file, field: "added_tokens.\(content)",
                    reason: "id \(id) is not in 0..<\(idLimit)")
            }
            added.append(AddedToken(content: content, id: Int32(id)))
        }
        let addedVocabulary = Vocabulary(
            tokens: tokens.enumerated().map { index, token in
                token.isEmpty ? (added.first { $0.id == Int32(index) }?.content ?? "") : token
            })
        var jsonConfig = config
        if let unknown = model["unk_token"] as? String { jsonConfig.unknownToken = unknown }
        let specials = try jsonConfig.specialTokens(in: addedVocabulary, file: file)
        let prefix = try typed(
            model["continuing_subword_prefix"], String.self, file: file,
            field: "model.continuing_subword_prefix", expected: "a string") ?? "##"
        let maxChars = try typed(
            model["max_input_chars_per_word"], Int.self, file: file,
            field: "model.max_input_chars_per_word", expected: "an integer") ?? 100
        guard maxChars >= 1 else {
            throw TokenizerError.invalidField(
                file: file, field: "model.max_input_chars_per_word",
                reason: "\(maxChars) is not an integer ≥ 1")
        }
        return BertTokenizer(
            vocabulary: addedVocabulary, normalizer: normalizer, specialTokens: specials,
            addedTokens: added, continuationPrefix: prefix, maxInputCharactersPerWord: maxChars,
            modelMaxLength: config.modelMaxLength)
    }

    private static func parseNormalizer(_ value: Any?, file: String) throws -> BertNormalizer {
        guard let normalizer = value as? [String: Any] else {
            return BertNormalizer(
                cleanText: false, handleChineseCharacters: false, stripAccents: false,
                lowercase: false)
        }
        guard normalizer["type"] as? String == "BertNormalizer" else {
            throw TokenizerError.unsupported(
                file: file, field: "normalizer.type", value: "\(normalizer["type"] ?? "null")")
        }
        func flag(_ key: String) throws -> Bool? {
            try typed(
                normalizer[key], Bool.self, file: file, field: "normalizer.\(key)",
                expected: "true or false")
        }
        return BertNormalizer(
            cleanText: try flag("clean_text") ?? true,
            handleChineseCharacters: try flag("handle_chinese_chars") ?? true,
            stripAccents: try flag("strip_accents"), lowercase: try flag("lowercase") ?? true)
    }

    static func readConfig(_ url: URL) throws -> TokenizerConfig {
        guard FileManager.default.fileExists(atPath: url.path) else { return TokenizerConfig() }
        return try TokenizerConfig(json: readJSONObject(url), file: url.path)
    }

    /// The bytes of a tokenizer file: a regular file of at most 256 MiB.
    static func readFile(_ url: URL) throws -> Data {
        do {
            return try RegularFile.read(url, limit: 256 << 20)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.reason)
        }
    }

    static func readJSONObject(_ url: URL) throws -> [String: Any] {
        let data = try readFile(url)
        guard let json = try? JSONSerialization.jsonObject(with: data),
            let object = json as? [String: Any]
        else {
            throw TokenizerError.invalidField(
                file: url.path, field: "(root)", reason: "not a JSON object")
        }
        // The same rule as config.json and safetensors headers: a repeated key is an error,
        // not a silent choice of its last value.
        if let duplicate = DuplicateJSONKeys.first(in: data) {
            throw TokenizerError.invalidField(
                file: url.path, field: duplicate.key,
                reason: "duplicate key (again at byte \(duplicate.offset))")
        }
        return object
    }

    /// The most tokens a vocabulary may have (every published BERT has under 2^18).
    static let maximumVocabularySize = 1 << 21

    /// `value` as a `T`, `nil` when absent or JSON null; any other type is an error.
    static func typed<T>(
        _ value: Any?, _ type: T.Type, file: String, field: String, expected: String
    ) throws -> T? {
        guard let value, !(value is NSNull) else { return nil }
        // JSONSerialization gives NSNumber for both numbers and booleans: tell them apart.
        if let number = value as? NSNumber {
            // A boolean NSNumber has the Objective-C type "c" (char), on Linux as on Darwin.
            let isBool = String(cString: number.objCType) == "c"
            if T.self == Bool.self, isBool { return number.boolValue as? T }
            if T.self == Int.self, !isBool, let int = Int(exactly: number.doubleValue) {
                return int as? T
            }
        } else if let typed = value as? T, !(T.self == Bool.self || T.self == Int.self) {
            return typed
        }
        throw TokenizerError.invalidField(
            file: file, field: field, reason: "\(describe(value)) is not \(expected)")
    }

    private static func describe(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text.prefix(40))\"" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "\(value)"
    }

    private static func object(_ value: Any?, file: String, field: String) throws -> [String: Any]
    {
        guard let object = value as? [String: Any] else {
            throw TokenizerError.invalidField(file: file, field: field, reason: "missing or not an object")
        }
        return object
    }
}

/// The options of `tokenizer_config.json` that BERT's tokenizer reads.
struct TokenizerConfig {
    var doLowerCase: Bool?
    var stripAccents: Bool?
    var tokenizeChineseChars: Bool?
    var modelMaxLength: Int?
    var unknownToken = "[UNK]"
    var separatorToken = "[SEP]"
    var paddingToken = "[PAD]"
    var classifierToken = "[CLS]"
    var maskToken = "[MASK]"

    init() {}

    init(json: [String: Any], file: String) throws {
        func flag(_ key: String) throws -> Bool? {
            try BertTokenizer.typed(
                json[key], Bool.self, file: file, field: key, expected: "true or false")
        }
        doLowerCase = try flag("do_lower_case")
        stripAccents = try flag("strip_accents")
        tokenizeChineseChars = try flag("tokenize_chinese_chars")
        // transformers writes a huge sentinel (1e30) when the length is unknown.
        if let length = json["model_max_length"] as? Double, length < 1e9 {
            modelMaxLength = Int(length)
        }
        func token(_ key: String) -> String? {
            if let text = json[key] as? String { return text }
            return (json[key] as? [String: Any])?["content"] as? String
        }
        unknownToken = token("unk_token") ?? unknownToken
        separatorToken = token("sep_token") ?? separatorToken
        paddingToken = token("pad_token") ?? paddingToken
        classifierToken = token("cls_token") ?? classifierToken
        maskToken = token("mask_token") ?? maskToken
    }

    var specialTokenStrings: [String] {
        [paddingToken, unknownToken, classifierToken, separatorToken, maskToken]
    }

    func specialTokens(in vocabulary: Vocabulary, file: String) throws -> BertTokenizer.SpecialTokens
    {
        func id(_ token: String) throws -> Int32 {
            guard let id = vocabulary.id(for: token) else {
                throw TokenizerError.missingSpecialToken(file: file, token: token)
            }
            return id
        }
        return BertTokenizer.SpecialTokens(
            classifier: try id(classifierToken), separator: try id(separatorToken),
            padding: try id(paddingToken), unknown: try id(unknownToken),
            mask: vocabulary.id(for: maskToken))
    }
}
