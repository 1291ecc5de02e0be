/**
 * Float32 tensors that record the ops applied to them, and reverse-mode differentiation over that
 * record.
 *
 * <p>Start with {@link dev.tapegrad.autograd.Tensor} (factories, ops, {@code backward()}), {@link
 * dev.tapegrad.autograd.Autograd} (grad mode, functional and higher-order gradients, anomaly
 * detection) and {@link dev.tapegrad.autograd.Functional} (softmax, losses, dropout). Define your
 * own differentiable operation with {@link dev.tapegrad.autograd.Function} and check any gradient
 * from a JUnit test with {@link dev.tapegrad.autograd.GradCheck}. {@link
 * dev.tapegrad.autograd.Profiler} counts ops and multiply-adds. Checkpoint formats live in the
 * {@code tapegrad-io} module ({@code dev.tapegrad.io.Safetensors}).
 *
 * <p>Semantics are PyTorch's: NumPy broadcasting with gradients summed back, accumulation into
 * leaves, {@code retainGraph}, {@code detach}, {@code noGrad} scopes. The op families live in
 * package-private files ({@code Pointwise}, {@code Binary}, {@code Reductions}, {@code ShapeOps},
 * {@code Indexing}, {@code LinearAlgebra}); their hot loops run on the kernels of {@code
 * dev.tapegrad.autograd.kernel}.
 */
package dev.tapegrad.autograd;
