package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/** Rectified linear unit {@code max(x, 0)}, elementwise. */
public final class Relu extends Layer {
  /** Applies {@code Tensor.relu()} to the input (any shape). */
  @Override
  public Tensor forward(Tensor input) {
    return input.relu();
  }
}
