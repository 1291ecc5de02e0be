package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Softmax over one dimension: {@code exp(x) / sum(exp(x))}, computed stably.
 *
 * <p>The dimension is always explicit (PyTorch's implicit choice is deprecated); negative values
 * count from the end.
 */
public final class Softmax extends Layer {
  private final int dim;

  /** Normalises over {@code dim}, e.g. -1 for the last dimension. */
  public Softmax(int dim) {
    this.dim = dim;
  }

  /** Applies the function over {@code dim} of the input. */
  @Override
  public Tensor forward(Tensor input) {
    int rank = input.dim();
    checkInput(
        rank > 0 && dim >= -rank && dim < rank,
        "dim %s out of range for input %s",
        dim,
        Arrays.toString(input.shape()));
    return input.softmax(dim);
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }
}
