package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;

/** Leaky rectified linear unit: {@code x} for {@code x > 0}, {@code slope * x} otherwise. */
public final class LeakyRelu extends Layer {
  private final float negativeSlope;

  /** A leaky ReLU with PyTorch's default slope 0.01. */
  public LeakyRelu() {
    this(0.01f);
  }

  /**
   * A leaky ReLU with the given negative slope, any finite number (PyTorch accepts any; a NaN or
   * infinite slope would only turn outputs into NaN or infinities).
   */
  public LeakyRelu(float negativeSlope) {
    checkArgument(
        Float.isFinite(negativeSlope),
        "LeakyRelu: negativeSlope must be finite, got %s",
        negativeSlope);
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
