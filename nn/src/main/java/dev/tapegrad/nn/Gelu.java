package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/**
 * Gaussian error linear unit {@code x * Phi(x)} with the exact erf form (PyTorch's default),
 * elementwise.
 */
public final class Gelu extends Layer {
  /** Applies {@code Tensor.gelu()} to the input (any shape). */
  @Override
  public Tensor forward(Tensor input) {
    return input.gelu();
  }
}
