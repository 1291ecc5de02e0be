package dev.tapegrad.autograd;

import java.math.BigInteger;
import java.util.Arrays;

/** Shape arithmetic shared by the ops: broadcasting, strides, dimension wrapping, messages. */
final class Shapes {
  private Shapes() {}

  static String format(int[] shape) {
    return Arrays.toString(shape);
  }

  /** The most elements a tensor holds: the largest Java array the JVM reliably allocates. */
  static final int MAX_NUMEL = Integer.MAX_VALUE - 8;

  static int numel(int[] shape) {
    return numel("tensor", shape);
  }

  /**
   * The number of elements of {@code shape}, or an exception naming {@code op} if it exceeds {@link
   * #MAX_NUMEL}. The product is checked as it is formed, so sizes whose product overflows {@code
   * long} (four of 65536) cannot wrap around to a small number. A shape with a zero size is empty
   * whatever its other sizes, as in PyTorch and safetensors.
   */
  static int numel(String op, int[] shape) {
    for (int s : shape) {
      if (s == 0) {
        return 0;
      }
    }
    long n = 1;
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException(
            String.format("%s: negative size in shape %s", op, format(shape)));
      }
      n *= s;
      if (n > MAX_NUMEL) {
        BigInteger product = BigInteger.ONE;
        for (int t : shape) {
          product = product.multiply(BigInteger.valueOf(t));
        }
        throw new IllegalArgumentException(
            String.format(
                "%s: shape %s has %s elements, more than the %d a tensor can hold",
                op, format(shape), product, MAX_NUMEL));
      }
    }
    return (int) n;
  }

  static int[] strides(int[] shape) {
    int[] strides = new int[shape.length];
    int s = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
    return strides;
  }

  /** Wraps a possibly negative dimension into {@code [0, rank)}, or throws naming the op. */
  static int wrapDim(String op, int dim, int[] shape) {
    int rank = shape.length;
    int lo = rank == 0 ? -1 : -rank;
    int hi = rank == 0 ? 0 : rank - 1;
    if (dim < lo || dim > hi) {
      throw new IllegalArgumentException(
          String.format(
              "%s: dimension %d out of range for shape %s (expected %d to %d)",
              op, dim, format(shape), lo, hi));
    }
    return dim < 0 ? dim + Math.max(rank, 1) : dim;
  }

  /** NumPy broadcasting of two shapes, or an exception naming the op and both shapes. */
  static int[] broadcast(String op, int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(
            String.format(
                "%s: shapes %s and %s cannot be broadcast (dimension %d: %d vs %d)",
                op, format(a), format(b), i - rank, da, db));
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /**
   * Strides to read a tensor of {@code shape} as if it had {@code target} shape: zero along
   * broadcast dimensions.
   */
  static int[] broadcastStrides(int[] shape, int[] target) {
    int[] own = strides(shape);
    int[] result = new int[target.length];
    int offset = target.length - shape.length;
    for (int i = 0; i < target.length; i++) {
      int j = i - offset;
      result[i] = (j < 0 || shape[j] == 1) ? 0 : own[j];
    }
    return result;
  }

  /**
   * A copy of {@code shape}, checked: no negative size, and no more elements than a tensor holds.
   */
  static int[] checkShape(String op, int... shape) {
    if (shape == null) {
      throw new IllegalArgumentException(op + ": shape is null");
    }
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException(
            String.format("%s: negative size in shape %s", op, format(shape)));
      }
    }
    numel(op, shape);
    return shape.clone();
  }

  static int[] remove(int[] shape, int dim) {
    int[] out = new int[shape.length - 1];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (i != dim) {
        out[j++] = shape[i];
      }
    }
    return out;
  }

  static int[] insert(int[] shape, int dim, int size) {
    int[] out = new int[shape.length + 1];
    for (int i = 0, j = 0; i < out.length; i++) {
      out[i] = i == dim ? size : shape[j++];
    }
    return out;
  }

  static int[] with(int[] shape, int dim, int size) {
    int[] out = shape.clone();
    out[dim] = size;
    return out;
  }

  /** Product of the sizes before {@code dim}. */
  static int outer(int[] shape, int dim) {
    int n = 1;
    for (int i = 0; i < dim; i++) {
      n *= shape[i];
    }
    return n;
  }

  /** Product of the sizes after {@code dim}. */
  static int inner(int[] shape, int dim) {
    int n = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      n *= shape[i];
    }
    return n;
  }
}
