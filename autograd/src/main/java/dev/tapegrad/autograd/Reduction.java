package dev.tapegrad.autograd;

/** How a loss combines its per-element values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
  /** Per-element losses, unreduced. */
  NONE,
  /** The mean over contributing elements (the default). */
  MEAN,
  /** The sum. */
  SUM
}
