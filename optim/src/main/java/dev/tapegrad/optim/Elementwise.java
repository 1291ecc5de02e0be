package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;

/**
 * PyTorch's fused pointwise updates with PyTorch's rounding order. Its CPU kernels compute
 * {@code addcmul} as {@code self + (value * a) * b} and {@code addcdiv} as
 * {@code self + (value * a) / b}; {@link Tensor#addcmulInPlace} groups {@code value * (a * b)},
 * which differs in the last bit, and over many steps such differences are what parity tests see.
 */
final class Elementwise {
  private Elementwise() {}

  /** {@code target += (value * a) * b}, in place. */
  static void addcmul(Tensor target, Tensor a, Tensor b, double value) {
    target.addInPlace(a.mul((float) value).mul(b), 1f);
  }

  /** {@code target += (value * a) / b}, in place. */
  static void addcdiv(Tensor target, Tensor a, Tensor b, double value) {
    target.addInPlace(a.mul((float) value).div(b), 1f);
  }
}
