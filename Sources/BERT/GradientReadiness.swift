// swift-bert — the BERT model.

/// Told during a backward pass which parts of the flat gradient buffer are final: the hook
/// that lets a data-parallel trainer launch a bucket's all-reduce as soon as the backward
/// pass has written every gradient in it, as PyTorch DDP's `Reducer` does from its autograd
/// hooks.
///
/// A task model's backward pass reports, in this order: the head's tensors once the head's
/// backward has run (``BertEncoder/headRange``), each trainable encoder layer from the last
/// to the first once its backward has run (``BertEncoder/layerRange(_:)``), then the
/// embeddings (``BertEncoder/embeddingRange``) when they train. The tied decoder of
/// ``BertForMaskedLM`` writes its share of the word-embedding gradient during the head's
/// backward, but that tensor lies in the embedding range, which is reported only at the end.
/// ``BertPreTrainedModel/gradientSegments`` lists the same ranges in the same order.
///
/// Install one on ``EncoderGradients/readinessObserver`` (a class instance stored once, so a
/// step allocates nothing); without one, each report is a nil check.
public protocol GradientReadinessObserver: AnyObject {
    /// No later part of this backward pass writes the gradients in `range` of the buffer.
    func gradientsReady(_ range: Range<Int>)
}

extension EncoderGradients {
    /// Tells the ``readinessObserver``, if any, that `range` of ``parameters`` is final.
    @inline(__always) func reportReady(_ range: Range<Int>) {
        readinessObserver?.gradientsReady(range)
    }
}

extension BertPreTrainedModel {
    /// The trainable part of the buffer (``trainableRange``) as the ranges a backward pass
    /// reports final (``GradientReadinessObserver``), in that order: the head, the trainable
    /// layers from the last down, then the embeddings unless frozen.
    public var gradientSegments: [Range<Int>] {
        let layers = configuration.numHiddenLayers
        let first = freezing.firstTrainableLayer(layers: layers)
        var segments = [encoder.headRange]
        for layer in stride(from: layers - 1, through: first ?? 0, by: -1) {
            segments.append(encoder.layerRange(layer))
        }
        if first == nil { segments.append(encoder.embeddingRange) }
        return segments.filter { !$0.isEmpty }
    }
}
