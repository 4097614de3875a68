// swift-bert — numeric kernels.
//
// BertEmbeddings' sum of word, token-type and position embeddings.

/// The sum of three embedding lookups, as `BertEmbeddings.forward` before its LayerNorm:
/// `(word[inputID] + tokenType[tokenTypeID]) + position[positionID]`, added in that order as
/// transformers adds them (`inputs_embeds + token_type_embeddings`, then `+= position_embeddings`).
///
/// Ids are validated upstream (the tokenizer and the batcher); this kernel only `assert`s
/// their range.
public enum Embedding {
    /// Gathers and sums the three embeddings of every token.
    /// - Parameters:
    ///   - output: `[tokens, hidden]`, overwritten.
    ///   - inputIDs: `[tokens]`, rows of `wordEmbeddings`.
    ///   - positionIDs: `[tokens]`, rows of `positionEmbeddings` (0-based within each sequence).
    ///   - tokenTypeIDs: `[tokens]`, rows of `tokenTypeEmbeddings`.
    ///   - wordEmbeddings: `[vocab, hidden]`.
    ///   - positionEmbeddings: `[maxPositions, hidden]`.
    ///   - tokenTypeEmbeddings: `[typeVocab, hidden]`.
    ///   - tokens: Rows of the packed batch.
    ///   - hidden: Features per token.
    /// - Complexity: O(tokens·hidden).
    public static func forward(
        output: UnsafeMutablePointer<Float>, inputIDs: UnsafePointer<Int32>,
        positionIDs: UnsafePointer<Int32>, tokenTypeIDs: UnsafePointer<Int32>,
        wordEmbeddings: UnsafePointer<Float>, positionEmbeddings: UnsafePointer<Float>,
        tokenTypeEmbeddings: UnsafePointer<Float>, tokens: Int, hidden: Int
    ) {
        precondition(tokens >= 0 && hidden > 0, "Embedding: tokens \(tokens) hidden \(hidden)")
        let grain = max(1, Parallel.elementwiseGrain / hidden)
        Parallel.forEachChunk(
            items: tokens, minimumChunkSize: grain,
            context: (
                output, inputIDs, positionIDs, tokenTypeIDs, wordEmbeddings, positionEmbeddings,
                tokenTypeEmbeddings, hidden
            )
        ) { context, _, rows in
            let (
                output, inputIDs, positionIDs, tokenTypeIDs, wordEmbeddings, positionEmbeddings,
                tokenTypeEmbeddings, hidden
            ) = context
            for t in rows {
                assert(inputIDs[t] >= 0 && positionIDs[t] >= 0 && tokenTypeIDs[t] >= 0)
                let word = wordEmbeddings + Int(inputIDs[t]) * hidden
                let position = positionEmbeddings + Int(positionIDs[t]) * hidden
                let type = tokenTypeEmbeddings + Int(tokenTypeIDs[t]) * hidden
                let y = output + t * hidden
                for i in 0..<hidden { y[i] = (word[i] + type[i]) + position[i] }
            }
        }
    }

    /// Backward of `forward`: scatter-adds `dOutput` rows; ACCUMULATES (`+=`) into all three
    /// embedding gradients.
    ///
    /// Tokens are added in order (the same bits for any thread count: hidden columns are split
    /// over threads), so a row used by several tokens gets their sum in token order.
    /// - Parameters:
    ///   - dWordEmbeddings: `[vocab, hidden]`, accumulated into.
    ///   - dPositionEmbeddings: `[maxPositions, hidden]`, accumulated into.
    ///   - dTokenTypeEmbeddings: `[typeVocab, hidden]`, accumulated into.
    ///   - dOutput: `[tokens, hidden]`.
    ///   - inputIDs: `[tokens]`.
    ///   - positionIDs: `[tokens]`.
    ///   - tokenTypeIDs: `[tokens]`.
    ///   - tokens: Rows of the packed batch.
    ///   - hidden: Features per token.
    ///   - paddingIndex: A word id whose row gets no gradient from the lookup, as
    ///     `nn.Embedding(padding_idx=…)` (its row is left as it is, so a tied decoder's
    ///     gradient there stays), or nil.
    /// - Complexity: O(tokens·hidden).
    public static func backward(
        dWordEmbeddings: UnsafeMutablePointer<Float>,
        dPositionEmbeddings: UnsafeMutablePointer<Float>,
        dTokenTypeEmbeddings: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        inputIDs: UnsafePointer<Int32>, positionIDs: UnsafePointer<Int32>,
        tokenTypeIDs: UnsafePointer<Int32>, tokens: Int, hidden: Int, paddingIndex: Int32? = nil
    ) {
        precondition(tokens >= 0 && hidden > 0, "Embedding: tokens \(tokens) hidden \(hidden)")
        Parallel.forEachChunk(
            items: hidden, minimumChunkSize: Parallel.columnGrain(rows: tokens),
            context: (
                dWordEmbeddings, dPositionEmbeddings, dTokenTypeEmbeddings, dOutput, inputIDs,
                positionIDs, tokenTypeIDs, tokens, hidden, paddingIndex ?? -1
            )
        ) { context, _, columns in
            let (
                dWordEmbeddings, dPositionEmbeddings, dTokenTypeEmbeddings, dOutput, inputIDs,
                positionIDs, tokenTypeIDs, tokens, hidden, paddingIndex
            ) = context
            let lower = columns.lowerBound
            let width = columns.count
            for t in 0..<tokens {
                let dy = dOutput + t * hidden + lower
                let word = dWordEmbeddings + Int(inputIDs[t]) * hidden + lower
                let position = dPositionEmbeddings + Int(positionIDs[t]) * hidden + lower
                let type = dTokenTypeEmbeddings + Int(tokenTypeIDs[t]) * hidden + lower
                if inputIDs[t] != paddingIndex { for i in 0..<width { word[i] += dy[i] } }
                for i in 0..<width { position[i] += dy[i] }
                for i in 0..<width { type[i] += dy[i] }
            }
        }
    }

    /// Reference forward in Double, for tests.
    public static func referenceForward(
        inputIDs: [Int32], positionIDs: [Int32], tokenTypeIDs: [Int32], wordEmbeddings: [Double],
        positionEmbeddings: [Double], tokenTypeEmbeddings: [Double], hidden: Int
    ) -> [Double] {
        var output = [Double]()
        for t in inputIDs.indices {
            for i in 0..<hidden {
                output.append(
                    wordEmbeddings[Int(inputIDs[t]) * hidden + i]
                        + tokenTypeEmbeddings[Int(tokenTypeIDs[t]) * hidden + i]
                        + positionEmbeddings[Int(positionIDs[t]) * hidden + i])
            }
        }
        return output
    }

    /// Reference backward in Double, for tests; returns fresh gradients of the given row
    /// counts.
    public static func referenceBackward(
        dOutput: [Double], inputIDs: [Int32], positionIDs: [Int32], tokenTypeIDs: [Int32],
        vocab: Int, maxPositions: Int, typeVocab: Int, hidden: Int
    ) -> (dWordEmbeddings: [Double], dPositionEmbeddings: [Double], dTokenTypeEmbeddings: [Double])
    {
        var dWord = [Double](repeating: 0, count: vocab * hidden)
        var dPosition = [Double](repeating: 0, count: maxPositions * hidden)
        var dType = [Double](repeating: 0, count: typeVocab * hidden)
        for t in inputIDs.indices {
            for i in 0..<hidden {
                let g = dOutput[t * hidden + i]
                dWord[Int(inputIDs[t]) * hidden + i] += g
                dPosition[Int(positionIDs[t]) * hidden + i] += g
                dType[Int(tokenTypeIDs[t]) * hidden + i] += g
            }
        }
        return (dWord, dPosition, dType)
    }
}
