// swift-bert — the BERT model.

/// A linear learning-rate schedule with warm-up, as transformers'
/// `get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps)`.
///
/// The rate rises linearly from 0 to the base rate over the warm-up steps, then falls
/// linearly to 0 at `totalSteps`. Step `t` counts the `scheduler.step()` calls before it, so
/// the first optimizer step uses `t = 0`: with warm-up it runs at rate 0, as transformers'
/// does.
public struct LinearSchedule: Sendable, Equatable {
    /// The optimizer's `lr`.
    public var baseLearningRate: Double
    /// `num_warmup_steps`.
    public var warmupSteps: Int
    /// `num_training_steps`.
    public var totalSteps: Int

    public init(baseLearningRate: Double, warmupSteps: Int = 0, totalSteps: Int) {
        precondition(warmupSteps >= 0 && totalSteps >= 0, "LinearSchedule: negative steps")
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The multiplier of the base rate at step `step` (0-based), in Double as Python computes
    /// `_get_linear_schedule_with_warmup_lr_lambda`: `t / max(1, warmup)` during warm-up, then
    /// `max(0, (total − t) / max(1, total − warmup))`.
    public func factor(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
    }

    /// The learning rate of step `step` (0-based): `baseLearningRate · factor`, the product
    /// `LambdaLR` forms, so the values equal PyTorch's `param_groups[0]['lr']` bit for bit.
    public func learningRate(atStep step: Int) -> Double {
        baseLearningRate * factor(atStep: step)
    }
}
