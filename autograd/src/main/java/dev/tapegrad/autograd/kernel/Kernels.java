package dev.tapegrad.autograd.kernel;

/**
 * The hot loops of tapegrad, on flat {@code float[]} with offsets and lengths.
 *
 * <p>Every method writes into {@code out} and allocates nothing proportional to its input except
 * where stated. Implementations must agree with {@link JavaKernels}, the reference, within float
 * rounding; tests run each provider against it on awkward sizes.
 */
public interface Kernels {

  /** A short name for logs and benchmarks. */
  String name();

  /**
   * {@code c = op(a) op(b)} for row-major matrices, where {@code op(a)} is {@code m x k} and
   * {@code op(b)} is {@code k x n}; {@code transA} means {@code a} is stored as {@code k x m},
   * {@code transB} that {@code b} is stored as {@code n x k}. Overwrites {@code c}.
   */
  void gemm(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      boolean transA,
      float[] b,
      int bOff,
      boolean transB,
      float[] c,
      int cOff);

  /** {@code out[i] = f(x[i])} for {@code i < n}. */
  void unary(UnaryOp op, float[] x, int xOff, float[] out, int outOff, int n);

  /**
   * {@code out[i] = f(a[aOff + i * aStride], b[bOff + i * bStride])}; strides are 0 (a value
   * repeated by broadcasting) or 1.
   */
  void binary(
      BinaryOp op,
      float[] a,
      int aOff,
      int aStride,
      float[] b,
      int bOff,
      int bStride,
      float[] out,
      int outOff,
      int n);

  /** Sum of {@code x[off .. off + n)}, accumulated in double. */
  double sum(float[] x, int off, int n);

  /** Dot product of two ranges, accumulated in double. */
  double dot(float[] a, int aOff, float[] b, int bOff, int n);

  /**
   * Reduces the middle axis of {@code x} viewed as {@code [outer, size, inner]}: {@code out[o,
   * i] = sum_j x[o, j, i]}.
   */
  void sumAxis(float[] x, int outer, int size, int inner, float[] out);

  /**
   * Maximum over the middle axis of {@code [outer, size, inner]}; {@code argmax} (may be null)
   * receives the first index of the maximum. NaN propagates as the maximum.
   */
  void maxAxis(float[] x, int outer, int size, int inner, float[] out, int[] argmax);

  /** In-place {@code y[i] += alpha * x[i]}. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);
}
