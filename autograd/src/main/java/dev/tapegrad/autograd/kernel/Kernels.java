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

  /**
   * Softmax (or, with {@code log}, log-softmax) over the middle axis of {@code x} viewed as
   * {@code [outer, size, inner]}: {@code e = exp(x - max)} in float, summed in double; a row whose
   * maximum is not finite is shifted by 0 instead. Log-softmax is {@code (x - max) - log(sum)},
   * rounded once.
   */
  void softmax(float[] x, int outer, int size, int inner, float[] out, boolean log);

  /**
   * {@code out[i] = op(x[xOff + i], s)}, or {@code op(s, x[xOff + i])} when {@code scalarFirst}:
   * the tensor-and-scalar forms ({@code x + s}, {@code s / x}, {@code x^s}, ...).
   */
  void scalarOp(
      BinaryOp op, float[] x, int xOff, float s, boolean scalarFirst, float[] out, int outOff,
      int n);

  /**
   * {@code out[i] = mask[mOff + i] != 0 ? a[aOff + i * aStride] : b[bOff + i * bStride]}; strides
   * are 0 (one value repeated) or 1. A NaN mask value counts as non-zero, -0 as zero.
   */
  void where(
      float[] mask,
      int mOff,
      float[] a,
      int aOff,
      int aStride,
      float[] b,
      int bOff,
      int bStride,
      float[] out,
      int outOff,
      int n);

  /** {@code out[i] = src[positions[i]]} for {@code i < n}. */
  void gather(float[] src, int[] positions, float[] out, int n);

  /**
   * {@code out[positions[i]] += g[i]} for {@code i < n}, in increasing {@code i}, so repeated
   * positions sum in a fixed order.
   */
  void scatterAdd(float[] g, int[] positions, float[] out, int n);

  /**
   * Selects slices of {@code x} viewed as {@code [outer, size, inner]} along its middle axis:
   * {@code out[o, j, :] = x[o, index[j], :]}, {@code out} being {@code [outer, index.length,
   * inner]}.
   */
  void indexSelect(float[] x, int outer, int size, int inner, int[] index, float[] out);

  /**
   * The adjoint of {@link #indexSelect}: {@code out[o, index[j], :] += g[o, j, :]} for {@code j}
   * in increasing order, {@code out} being {@code [outer, size, inner]}.
   */
  void indexAdd(float[] g, int outer, int size, int inner, int[] index, float[] out);

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
