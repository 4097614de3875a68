// swift-bert — the BERT model.

import Kernels

/// The numbers of the dropout sites of a forward pass (``DropoutKey/site``), so that each
/// dropout of a step draws its own mask: `transformers`' `BertEmbeddings.dropout`, and per
/// layer `BertSelfAttention.dropout` (on the probabilities), `BertSelfOutput.dropout` and
/// `BertOutput.dropout`, then the head's `dropout` before its classifier.
public enum DropoutSite {
    /// After the embeddings' LayerNorm.
    public static let embeddings: UInt64 = 0

    /// On layer `layer`'s attention probabilities.
    public static func attentionProbabilities(layer: Int) -> UInt64 { 1 + 3 * UInt64(layer) }

    /// On layer `layer`'s attention output projection, before its residual add.
    public static func attentionOutput(layer: Int) -> UInt64 { 2 + 3 * UInt64(layer) }

    /// On layer `layer`'s output projection (after the feed-forward), before its residual.
    public static func output(layer: Int) -> UInt64 { 3 + 3 * UInt64(layer) }

    /// Before a head's classifier (sequence or token classification); the head draws a step
    /// word of its own, so any number apart from the encoder's would do.
    public static let classifier: UInt64 = 0x636C_6173_7369_6679  // "classify"
}
