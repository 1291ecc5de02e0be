package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Flattens a range of dimensions into one, as PyTorch's {@code nn.Flatten}; by default every
 * dimension but the first (batch) one: {@code [N, a, b] -> [N, a*b]}.
 */
public final class Flatten extends Layer {
  private final int startDim;
  private final int endDim;

  /** Flattens dimensions 1 to -1. */
  public Flatten() {
    this(1, -1);
  }

  /**
   * Flattens dimensions {@code startDim} to {@code endDim} inclusive; negatives count from the end.
   */
  public Flatten(int startDim, int endDim) {
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /** Reshapes the input; values are shared, not copied. */
  @Override
  public Tensor forward(Tensor input) {
    int[] shape = input.shape();
    int rank = shape.length;
    int start = startDim < 0 ? startDim + rank : startDim;
    int end = endDim < 0 ? endDim + rank : endDim;
    checkInput(
        start >= 0 && end < rank && start <= end,
        "dims %s..%s do not fit input %s",
        startDim,
        endDim,
        Arrays.toString(shape));
    int[] out = new int[rank - (end - start)];
    int k = 0;
    for (int d = 0; d < start; d++) {
      out[k++] = shape[d];
    }
    int merged = 1;
    for (int d = start; d <= end; d++) {
      merged *= shape[d];
    }
    out[k++] = merged;
    for (int d = end + 1; d < rank; d++) {
      out[k++] = shape[d];
    }
    return input.reshape(out);
  }

  @Override
  protected String extraRepr() {
    return "startDim=" + startDim + ", endDim=" + endDim;
  }
}
