package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/** Logistic sigmoid {@code 1 / (1 + exp(-x))}, elementwise. */
public final class Sigmoid extends Layer {
  /** Applies {@code Tensor.sigmoid()} to the input (any shape). */
  @Override
  public Tensor forward(Tensor input) {
    return input.sigmoid();
  }
}
