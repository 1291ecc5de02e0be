package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;

/** Leaky rectified linear unit: {@code x} for {@code x > 0}, {@code slope * x} otherwise. */
public final class LeakyRelu extends Layer {
  private final float negativeSlope;

  /** A leaky ReLU with PyTorch's default slope 0.01. */
  public LeakyRelu() {
    this(0.01f);
  }

  /** A leaky ReLU with the given negative slope. */
  public LeakyRelu(float negativeSlope) {
    this.negativeSlope = negativeSlope;
  }

  /** Applies the activation elementwise (any shape). */
  @Override
  public Tensor forward(Tensor input) {
    return input.leakyRelu(negativeSlope);
  }

  @Override
  protected String extraRepr() {
    return "negativeSlope=" + negativeSlope;
  }
}
