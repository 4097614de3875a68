// swift-bert — numeric kernels.
//
// The AdamW update: torch.optim.AdamW's single-tensor path.

import _VectorKernels

/// One AdamW update over flat buffers, as `torch.optim.AdamW` (`amsgrad=False`,
/// `maximize=False`) in its single-tensor path, the one PyTorch takes on CPU.
///
/// Per element, in PyTorch's Float operations and order (hyperparameters combined in Double
/// first, as Python does, then rounded to Float):
///
///     param = param·(1 − lr·weightDecay)                         (only when weightDecay ≠ 0)
///     m     = m.lerp(g, 1 − beta1)          = m + (1 − beta1)·(g − m), one fused multiply-add
///     v     = v·beta2 + ((1 − beta2)·g)·g   (the last multiply-add fused, as addcmul_ runs)
///     denom = sqrt(v) / sqrt(1 − beta2^step) + eps
///     param = param + (−(lr / (1 − beta1^step))·m) / denom
///
/// The loop is C (`swiftbert_adamw`), compiled for AVX-512, AVX2 and baseline x86-64 and
/// picked from the CPU: true fused multiply-adds and a correctly rounded square root, and no
/// other contraction, so every version gives the same bits. Checked against torch 2.15 on CPU: `m` and
/// `v` match bit for bit, and so does the update given the same `sqrt(v)`; PyTorch's
/// vectorized `sqrt` (MKL) is not correctly rounded and differs by one unit in the last place
/// on about 15 % of elements, so parameters can differ by an ulp. Defaults are PyTorch's
/// except `weightDecay`, which is 0 here (PyTorch's AdamW defaults to 0.01; transformers'
/// Trainer and the tutorial use 0).
public enum AdamW {
    /// Applies one AdamW step to `count` parameters.
    /// - Parameters:
    ///   - parameters: `[count]`, updated in place.
    ///   - gradients: `[count]`.
    ///   - firstMoment: `[count]`, `exp_avg`, updated in place (zeros before step 1).
    ///   - secondMoment: `[count]`, `exp_avg_sq`, updated in place (zeros before step 1).
    ///   - count: Elements in each buffer.
    ///   - learningRate: `lr` for this step (after any schedule).
    ///   - beta1: Decay of the first moment.
    ///   - beta2: Decay of the second moment.
    ///   - epsilon: Added to the denominator (`eps`; the tutorial uses 1e-8).
    ///   - weightDecay: Decoupled weight decay.
    ///   - step: The 1-based number of this step (PyTorch's `state['step']` after increment).
    ///   - gradientScale: Each gradient is multiplied by it (in Float) as it is read: the
    ///     clipping factor of `GradientClipping.scale(norm:maxNorm:)`, giving the bits of
    ///     `clip_grad_norm_` followed by the step, in one pass instead of two. 1 changes nothing.
    ///   - bfloat16Copy: `[count]`, or `nil`: receives each updated parameter rounded to bf16
    ///     (``BFloat16/bits(_:)``) in the same pass, the weights of mixed-precision GEMMs
    ///     (autocast re-casts the fp32 weights on every forward; this keeps the cast once per
    ///     update).
    ///   - zeroingGradients: `nil`, or `gradients` itself: each gradient is set to 0 once read,
    ///     the next step's `zero_grad()` done in this pass instead of one of its own.
    /// - Complexity: O(count).
    public static func step(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
        count: Int, learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999,
        epsilon: Double = 1e-8, weightDecay: Double = 0, step: Int, gradientScale: Float = 1,
        bfloat16Copy: UnsafeMutablePointer<UInt16>? = nil,
        zeroingGradients: UnsafeMutablePointer<Float>? = nil
    ) {
        precondition(
            zeroingGradients == nil || UnsafePointer(zeroingGradients) == gradients,
            "AdamW: zeroingGradients must be the gradients")
        precondition(count >= 0, "AdamW: negative count \(count)")
        precondition(step >= 1, "AdamW: step \(step) must be at least 1")
        // Multiplying by exactly 1 when there is no decay is the identity PyTorch's skip is.
        let decay = weightDecay != 0 ? Float(1 - learningRate * weightDecay) : 1
        let lerpWeight = Float(1 - beta1)
        let smallWeight = abs(lerpWeight) < 0.5
        let lerpCoefficient = smallWeight ? lerpWeight : lerpWeight - 1
        let beta2F = Float(beta2)
        let oneMinusBeta2 = Float(1 - beta2)
        let biasCorrection1 = 1 - _pow(beta1, Double(step))
        let biasCorrection2 = 1 - _pow(beta2, Double(step))
        let negativeStepSize = Float(-(learningRate / biasCorrection1))
        let biasCorrection2Sqrt = Float(_pow(biasCorrection2, 0.5))
        let epsilonF = Float(epsilon)
        var scalars = swiftbert_adamw_scalars(
            decay: decay, lerp_coefficient: lerpCoefficient, beta2: beta2F,
            one_minus_beta2: oneMinusBeta2, negative_step_size: negativeStepSize,
            bias_correction2_sqrt: biasCorrection2Sqrt, epsilon: epsilonF,
            gradient_scale: gradientScale, small_weight: smallWeight ? 1 : 0)
        withUnsafePointer(to: &scalars) { scalars in
            Parallel.forEachChunk(
                items: count, minimumChunkSize: Parallel.elementwiseGrain,
                context: (
                    parameters, gradients, firstMoment, secondMoment, bfloat16Copy,
                    zeroingGradients, scalars)
            ) { context, _, range in
                let (parameters, gradients, firstMoment, secondMoment, copy, zero, scalars) =
                    context
                swiftbert_adamw(
                    parameters, gradients, firstMoment, secondMoment, copy, zero,
                    range.lowerBound, range.upperBound, scalars)
            }
        }
    }

    /// `step` with Float hyperparameters, widened to Double.
    ///
    /// Prefer the Double overload for parity with PyTorch: `Double(Float(2e-5))` is not
    /// Python's `2e-5`, and the step size is rounded from Double.
    public static func step(
        parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
        firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
        count: Int, learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0, step: Int
    ) {
        self.step(
            parameters: parameters, gradients: gradients, firstMoment: firstMoment,
            secondMoment: secondMoment, count: count, learningRate: Double(learningRate),
            beta1: Double(beta1), beta2: Double(beta2), epsilon: Double(epsilon),
            weightDecay: Double(weightDecay), step: step)
    }

    /// Reference in Double, for tests: the textbook formula of PyTorch's AdamW documentation,
    /// updating `parameters`, `firstMoment` and `secondMoment` in place.
    public static func referenceStep(
        parameters: inout [Double], gradients: [Double], firstMoment: inout [Double],
        secondMoment: inout [Double], learningRate: Double, beta1: Double = 0.9,
        beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0, step: Int
    ) {
        let biasCorrection1 = 1 - _pow(beta1, Double(step))
        let biasCorrection2 = 1 - _pow(beta2, Double(step))
        for i in parameters.indices {
            let g = gradients[i]
            parameters[i] *= 1 - learningRate * weightDecay
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g
            let mHat = firstMoment[i] / biasCorrection1
            let vHat = secondMoment[i] / biasCorrection2
            // PyTorch adds eps to sqrt(v)/sqrt(bias2), not to sqrt(vHat)·…: the same thing.
            parameters[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}
