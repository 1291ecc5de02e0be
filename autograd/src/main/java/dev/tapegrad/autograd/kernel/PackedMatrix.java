package dev.tapegrad.autograd.kernel;

/**
 * The right operand of many products, laid out once by a provider for its own {@link
 * Kernels#gemm(int, float[], int, PackedMatrix, float[], int)}: a recurrent layer multiplies its
 * hidden-to-hidden weights at every step, and packing them per step cost as much as the step's
 * product.
 *
 * <p>A packed matrix is a snapshot: later writes to the array it was packed from do not reach it.
 * It is immutable and may be shared between threads.
 */
public abstract class PackedMatrix {
  private final int depth;
  private final int columns;

  PackedMatrix(int depth, int columns) {
    this.depth = depth;
    this.columns = columns;
  }

  /** {@code k}: the rows of {@code op(b)}, the depth of each product. */
  public final int depth() {
    return depth;
  }

  /** {@code n}: the columns of {@code op(b)} and of each product. */
  public final int columns() {
    return columns;
  }

  static void checkPack(int k, int n, float[] b, int bOff) {
    if (k < 0 || n < 0 || bOff < 0 || (long) bOff + (long) k * n > b.length) {
      throw new IllegalArgumentException(
          "pack: a "
              + k
              + " x "
              + n
              + " operand at offset "
              + bOff
              + " does not fit an array of "
              + b.length);
    }
  }

  /** {@code op(b)} copied into row-major {@code k x n}: the layout of every provider but one. */
  static final class RowMajor extends PackedMatrix {
    final float[] data;

    RowMajor(int k, int n, float[] b, int bOff, boolean transB) {
      super(k, n);
      data = new float[Math.multiplyExact(k, n)];
      if (!transB) {
        System.arraycopy(b, bOff, data, 0, k * n);
      } else {
        for (int j = 0; j < n; j++) {
          for (int p = 0; p < k; p++) {
            data[p * n + j] = b[bOff + j * k + p];
          }
        }
      }
    }
  }
}
