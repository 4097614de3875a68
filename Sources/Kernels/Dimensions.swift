// swift-bert — numeric kernels.
//
// Dimension legend, used with the same meaning in every kernel and in the model:
//   tokens        rows of a packed batch: the real tokens of all its sequences, concatenated
//   batch         sequences in a batch; `sequenceOffsets` has batch + 1 entries
//   hidden        model width (hidden_size)
//   heads         attention heads (num_attention_heads)
//   headDim       hidden / heads
//   intermediate  feed-forward width (intermediate_size)
//   vocab         vocabulary rows of the word embedding
//   classes       classifier outputs (num_labels)
// Matrices are row-major. A weight of PyTorch's nn.Linear is [outFeatures, inFeatures].
