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
//
// Conventions of every kernel:
//   - Each op is an enum with `forward` and `backward` side by side, plus `referenceForward`
//     and `referenceBackward` in Double over arrays (slow, for tests).
//   - Arguments come in the order outputs, saved activations, inputs, parameters, sizes.
//   - Buffers are `UnsafeMutablePointer<Float>` (written) and `UnsafePointer<Float>` (read),
//     sized by the labeled sizes; ids are `UnsafePointer<Int32>`. Sizes are checked once per
//     call with `precondition`; nothing is checked per element.
//   - `backward` ACCUMULATES (`+=`) into every gradient it writes, parameter and input alike,
//     except the losses' `backward`, which starts the pass and overwrites `dLogits`.
//   - Kernels split work over `Kernels.threadCount` threads (see `Parallel`) and give the same
//     bits run to run; sums across rows run in a fixed order.
