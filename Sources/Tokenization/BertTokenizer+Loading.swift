// swift-bert — BERT tokenization.

import Foundation

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
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
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
        var tokens = [String](repeating: "", count: vocabMap.count)
        for (token, value) in vocabMap {
            guard let id = value as? Int, id >= 0 else {
                throw TokenizerError.invalidField(
                    file: file, field: "model.vocab.\(token)", reason: "id is not an integer ≥ 0")
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
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int else {
                throw TokenizerError.invalidField(
                    file: file, field: "added_tokens", reason: "entry without content or id")
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
        return BertTokenizer(
            vocabulary: addedVocabulary, normalizer: normalizer, specialTokens: specials,
            addedTokens: added,
            continuationPrefix: model["continuing_subword_prefix"] as? String ?? "##",
            maxInputCharactersPerWord: model["max_input_chars_per_word"] as? Int ?? 100,
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
        let lowercase = normalizer["lowercase"] as? Bool ?? true
        return BertNormalizer(
            cleanText: normalizer["clean_text"] as? Bool ?? true,
            handleChineseCharacters: normalizer["handle_chinese_chars"] as? Bool ?? true,
            stripAccents: normalizer["strip_accents"] as? Bool, lowercase: lowercase)
    }

    static func readConfig(_ url: URL) throws -> TokenizerConfig {
        guard FileManager.default.fileExists(atPath: url.path) else { return TokenizerConfig() }
        return try TokenizerConfig(json: readJSONObject(url), file: url.path)
    }

    static func readJSONObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: "\(error.localizedDescription)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data),
            let object = json as? [String: Any]
        else {
            throw TokenizerError.invalidField(
                file: url.path, field: "(root)", reason: "not a JSON object")
        }
        return object
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
        doLowerCase = json["do_lower_case"] as? Bool
        stripAccents = json["strip_accents"] as? Bool
        tokenizeChineseChars = json["tokenize_chinese_chars"] as? Bool
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
