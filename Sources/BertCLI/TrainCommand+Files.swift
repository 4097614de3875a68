// swift-bert — the `bert train` command.

import Datasets

extension TrainCommand {
    /// The training and validation items of a `--train FILE [--validation FILE]` task (ner,
    /// squad, mlm): `items` of the training file; `--validation`'s (read by `validation`), or
    /// else `--validation-fraction` of the training items, held out by the seeded split
    /// (`--split-seed`) as the tutorial holds out its 10 %; then `--limit-train`.
    func trainAndValidation<Item>(
        _ items: [Item], validation read: (String) throws -> [Item]
    ) throws -> (train: [Item], validation: [Item]) {
        var train = items
        var validation: [Item] = []
        if let path = taskOptions.validation {
            validation = try read(path)
        } else {
            let split = try trainValidationSplit(
                count: train.count, validationFraction: splitOptions.validationFraction,
                seed: splitOptions.splitSeed)
            validation = split.validation.map { train[$0] }
            train = split.train.map { train[$0] }
        }
        if let limit = training.limitTrain { train = Array(train.prefix(limit)) }
        return (train, validation)
    }
}
