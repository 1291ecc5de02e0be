package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/** Hyperbolic tangent, elementwise. */
public final class Tanh extends Layer {
  /** Applies {@code Tensor.tanh()} to the input (any shape). */
  @Override
  public Tensor forward(Tensor input) {
    return input.tanh();
  }
}
