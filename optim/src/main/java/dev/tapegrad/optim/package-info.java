/**
 * Optimizers, gradient clipping and learning-rate schedules, with PyTorch's semantics.
 *
 * <ul>
 *   <li>{@link dev.tapegrad.optim.Optimizer} and its kinds {@link dev.tapegrad.optim.Sgd}, {@link
 *       dev.tapegrad.optim.Adam}, {@link dev.tapegrad.optim.AdamW}, {@link
 *       dev.tapegrad.optim.RmsProp} and {@link dev.tapegrad.optim.Adagrad}: each takes a list of
 *       parameter tensors and immutable {@linkplain dev.tapegrad.optim.OptimizerOptions options};
 *       more {@linkplain dev.tapegrad.optim.ParamGroup parameter groups} with their own options can
 *       be added. Each class states its update rule in its documentation.
 *   <li>{@link dev.tapegrad.optim.GradClip}: {@code clipGradNorm} and {@code clipGradValue}.
 *   <li>Schedules: {@link dev.tapegrad.optim.StepLr}, {@link dev.tapegrad.optim.MultiStepLr},
 *       {@link dev.tapegrad.optim.ExponentialLr}, {@link dev.tapegrad.optim.CosineAnnealingLr},
 *       {@link dev.tapegrad.optim.LinearWarmup} (optionally followed by another schedule) and
 *       {@link dev.tapegrad.optim.ReduceLrOnPlateau}.
 * </ul>
 *
 * <p>Numbers: hyper-parameters and learning rates are doubles and scalar arithmetic on them is done
 * in double, as PyTorch does with Python floats; elementwise arithmetic is float32 in the order of
 * PyTorch's single-tensor CPU code path. Over 20 steps, results agree with PyTorch 1.13 within 1e-5
 * relative (tools/fixtures_optim.py and ParityTest); the remaining last-bit differences come from
 * the fused multiply-adds of PyTorch's vectorised kernels.
 *
 * <p>State: optimizers and schedules have {@code stateDict()}/{@code loadStateDict()} and {@code
 * save(Path)}/{@code load(Path)} (safetensors) that resume training exactly; see {@link
 * dev.tapegrad.optim.Optimizer} for the keys and the exact encoding of scalars.
 *
 * <p>This package does not depend on {@code nn}: pass {@code module.parameters()}.
 */
package dev.tapegrad.optim;
