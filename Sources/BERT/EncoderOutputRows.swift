// swift-bert — the BERT model.

/// Which rows of the sequence output an encoder forward pass computes.
///
/// A sequence-classification head reads only each sequence's first ([CLS]) row of the last
/// layer (transformers' `BertPooler` takes `hidden_states[:, 0]`), so the rest of that layer
/// past its attention is work whose result nobody reads: about 10/12 of one layer's
/// products. With ``firstTokens`` the last layer still projects queries, keys and values and
/// runs attention for every token (each [CLS] row attends to its whole sequence), then runs
/// the attention output, the feed-forward block and both LayerNorms on the `batch` [CLS] rows
/// alone. The [CLS] rows are the same function of the same inputs and dropout masks (each
/// mask element is keyed by its sequence and position, ``Dropout``), so logits, the loss and
/// every gradient are those of the full pass, up to the summation order of smaller products.
public enum EncoderOutputRows: Sendable, Equatable {
    /// Every token's row, `[tokens, hidden]`: transformers' `last_hidden_state`.
    case all
    /// Each sequence's first row only, in rows `0..<batch` of `sequenceOutput`.
    case firstTokens
}
