package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import java.util.List;

/**
 * A model's parameters (or their gradients) as one flat {@code float[]}, in {@link
 * Block#namedParameters()} order: what crosses the wire instead of tensors.
 */
final class Flat {
  private Flat() {}

  static int size(List<Tensor> params) {
    long n = 0;
    for (Tensor p : params) {
      n += p.numel();
    }
    checkArgument(n <= Integer.MAX_VALUE - 8, "spark: %s parameters do not fit one array", n);
    return (int) n;
  }

  /** The parameters' values, concatenated. */
  static float[] values(List<Tensor> params) {
    float[] out = new float[size(params)];
    int offset = 0;
    for (Tensor p : params) {
      float[] v = p.toFloatArray();
      System.arraycopy(v, 0, out, offset, v.length);
      offset += v.length;
    }
    return out;
  }

  /** The parameters' gradients, concatenated; a parameter without a gradient contributes zeros. */
  static float[] gradients(List<Tensor> params) {
    float[] out = new float[size(params)];
    int offset = 0;
    for (Tensor p : params) {
      Tensor g = p.grad();
      if (g != null) {
        float[] v = g.toFloatArray();
        System.arraycopy(v, 0, out, offset, v.length);
      }
      offset += p.numel();
    }
    return out;
  }

  /** Overwrites the parameters' values with {@code values[offset ...]}, in place. */
  @SuppressWarnings("try")
  static void load(List<Tensor> params, float[] values, int offset) {
    checkArgument(
        values.length - offset >= size(params),
        "spark: %s values for a model of %s parameters",
        values.length - offset,
        size(params));
    try (var scope = Autograd.noGrad()) {
      for (Tensor p : params) {
        float[] v = new float[p.numel()];
        System.arraycopy(values, offset, v, 0, v.length);
        p.copyFrom(Tensor.of(v, p.shape()));
        offset += v.length;
      }
    }
  }

  /** Sets each parameter's gradient to {@code sum / divisor}, elementwise in float32. */
  static void setGradients(List<Tensor> params, float[] sum, float divisor) {
    int offset = 0;
    for (Tensor p : params) {
      float[] g = new float[p.numel()];
      for (int i = 0; i < g.length; i++) {
        g[i] = sum[offset + i] / divisor;
      }
      p.setGrad(Tensor.of(g, p.shape()));
      offset += g.length;
    }
  }
}
