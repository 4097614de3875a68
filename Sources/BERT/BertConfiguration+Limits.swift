// swift-bert — the BERT model.

extension BertConfiguration {
    /// The largest sizes a `config.json` may ask for: far above every published BERT
    /// (bert-large: hidden 1024, 24 layers, intermediate 4096; multilingual: vocabulary
    /// 119,547), low enough that no product of them overflows `Int` or asks for more memory
    /// than a machine has.
    ///
    /// transformers has no such limits; it relies on PyTorch failing the allocation. We check
    /// first, because Swift traps on overflow and the kernel may kill a process that
    /// over-commits before any error can be reported.
    public enum Limits {
        public static let vocabSize = 1 << 21
        public static let hiddenSize = 1 << 14
        public static let layers = 256
        public static let heads = 256
        public static let intermediateSize = 1 << 16
        public static let positions = 1 << 16
        public static let typeVocabSize = 1 << 10
        public static let labels = 1 << 16
        /// At most 2^32 parameters (16 GiB of fp32 weights, 64 GiB with gradients and AdamW).
        public static let parameters = 1 << 32

        /// The parameter count of a BertForSequenceClassification with these sizes, or `nil`
        /// when it overflows `Int`.
        public static func parameterCount(_ c: BertConfiguration) -> Int? {
            func product(_ values: Int...) -> Int? {
                var result = 1
                for value in values {
                    let (next, overflow) = result.multipliedReportingOverflow(by: value)
                    if overflow || value < 0 { return nil }
                    result = next
                }
                return result
            }
            func sum(_ values: Int?...) -> Int? {
                var result = 0
                for value in values {
                    guard let value else { return nil }
                    let (next, overflow) = result.addingReportingOverflow(value)
                    if overflow { return nil }
                    result = next
                }
                return result
            }
            let h = c.hiddenSize
            let i = c.intermediateSize
            guard
                let embeddings = sum(
                    product(c.vocabSize, h), product(c.maxPositionEmbeddings, h),
                    product(c.typeVocabSize, h), product(2, h)),
                let layer = sum(
                    product(4, h, h), product(4, h), product(2, h), product(2, i, h), i, h,
                    product(2, h)),
                let head = sum(product(h, h), h, product(c.numLabels, h), c.numLabels)
            else { return nil }
            return sum(embeddings, product(c.numHiddenLayers, layer), head)
        }
    }
}
