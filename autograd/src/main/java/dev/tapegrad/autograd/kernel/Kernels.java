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
   * {@code c = op(a) op(b)} for row-major matrices, where {@code op(a)} is {@code m x k} and {@code
   * op(b)} is {@code k x n}; {@code transA} means {@code a} is stored as {@code k x m}, {@code
   * transB} that {@code b} is stored as {@code n x k}. Overwrites {@code c}.
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
   * Packs {@code op(b)} ({@code k x n}, {@code transB} as in {@link #gemm}) for many products with
   * it by {@link #gemm(int, float[], int, PackedMatrix, float[], int)}.
   *
   * @throws IllegalArgumentException if a size is negative or {@code b} is too short
   */
  default PackedMatrix pack(int k, int n, float[] b, int bOff, boolean transB) {
    PackedMatrix.checkPack(k, n, b, bOff);
    return new PackedMatrix.RowMajor(k, n, b, bOff, transB);
  }

  /**
   * {@code c = a op(b)} for the {@code m} rows of row-major {@code a} ({@code m x k}) with {@code
   * op(b)} packed by this provider's {@link #pack}. Overwrites {@code c} ({@code m x n}).
   *
   * <p>Each row of {@code c} is computed by the same operations in the same order whatever {@code
   * m} is, so a caller may split the rows between threads, or take them in any groups, and get the
   * same bits; the plain {@link #gemm} picks its method by size and promises this only for a fixed
   * shape.
   *
   * @throws IllegalArgumentException if {@code b} was packed by another provider
   */
  default void gemm(int m, float[] a, int aOff, PackedMatrix b, float[] c, int cOff) {
    if (!(b instanceof PackedMatrix.RowMajor)) {
      throw new IllegalArgumentException(
          "gemm: the packed operand was packed by another kernel provider than " + name());
    }
    int k = b.depth();
    int n = b.columns();
    float[] data = ((PackedMatrix.RowMajor) b).data;
    // row by row: each row of c is then the same product whatever m is
    for (int i = 0; i < m; i++) {
      gemm(1, n, k, a, aOff + i * k, false, data, 0, false, c, cOff + i * n);
    }
  }

  /**
   * Softmax (or, with {@code log}, log-softmax) over the middle axis of {@code x} viewed as {@code
   * [outer, size, inner]}: {@code e = exp(x - max)} in float, summed in double; a row whose maximum
   * is not finite is shifted by 0 instead. Log-softmax is {@code (x - max) - log(sum)}, rounded
   * once.
   */
  void softmax(float[] x, int outer, int size, int inner, float[] out, boolean log);

  /**
   * {@code out[i] = op(x[xOff + i], s)}, or {@code op(s, x[xOff + i])} when {@code scalarFirst}:
   * the tensor-and-scalar forms ({@code x + s}, {@code s / x}, {@code x^s}, ...).
   */
  void scalarOp(
      BinaryOp op,
      float[] x,
      int xOff,
      float s,
      boolean scalarFirst,
      float[] out,
      int outOff,
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
   * The adjoint of {@link #indexSelect}: {@code out[o, index[j], :] += g[o, j, :]} for {@code j} in
   * increasing order, {@code out} being {@code [outer, size, inner]}.
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
   * Reduces the middle axis of {@code x} viewed as {@code [outer, size, inner]}: {@code out[o, i] =
   * sum_j x[o, j, i]}.
   */
  void sumAxis(float[] x, int outer, int size, int inner, float[] out);

  /**
   * Maximum over the middle axis of {@code [outer, size, inner]}; {@code argmax} (may be null)
   * receives the first index of the maximum. NaN propagates as the maximum.
   */
  void maxAxis(float[] x, int outer, int size, int inner, float[] out, int[] argmax);

  /** In-place {@code y[i] += alpha * x[i]}. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

  // ------------------------------------------------------------- optimizer updates, in place
  // Each is one pass over a parameter's elements [0, n), with no temporaries, rounding every
  // float32 operation in PyTorch's order; coefficients arrive already rounded to float, and
  // scalar work on hyper-parameters (bias corrections, decayed rates) is the caller's, in double.
  // Implementations must give the reference's bits exactly, so that a resumed run is identical.

  /**
   * One SGD update, as {@code torch.optim.SGD}:
   *
   * <pre>
   * g = maximize ? -grad : grad
   * if l2:            g = g + param * weightDecay
   * if buf != null:   buf = firstStep ? g : buf * momentum + oneMinusDampening * g
   *                   g = nesterov ? g + buf * momentum : buf
   * param = param + negLr * g
   * </pre>
   *
   * @param buf the momentum buffer, or null when momentum is 0
   */
  void sgdStep(
      float[] param,
      float[] grad,
      float[] buf,
      int n,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float momentum,
      float oneMinusDampening,
      boolean nesterov,
      boolean firstStep,
      float negLr);

  /**
   * One Adam or AdamW update, as {@code torch.optim.Adam} and {@code AdamW}:
   *
   * <pre>
   * g = maximize ? -grad : grad
   * if decoupled:      param = param * decayFactor                  (AdamW)
   * if l2:             g = g + param * weightDecay                  (Adam)
   * m = m * beta1 + oneMinusBeta1 * g
   * v = v * beta2 + oneMinusBeta2 * g * g
   * if vMax != null:   vMax = max(vMax, v), s = vMax   (AMSGrad; NaN wins)   else s = v
   * param = param + negStepSize * m / (sqrt(s) / biasCorrection2Sqrt + eps)
   * </pre>
   *
   * @param vMax the running maximum of {@code v}, or null without AMSGrad
   */
  void adamStep(
      float[] param,
      float[] grad,
      float[] m,
      float[] v,
      float[] vMax,
      int n,
      boolean maximize,
      boolean decoupled,
      float decayFactor,
      boolean l2,
      float weightDecay,
      float beta1,
      float oneMinusBeta1,
      float beta2,
      float oneMinusBeta2,
      float biasCorrection2Sqrt,
      float eps,
      float negStepSize);

  /**
   * One RMSProp update, as {@code torch.optim.RMSprop}:
   *
   * <pre>
   * g = maximize ? -grad : grad
   * if l2:               g = g + param * weightDecay
   * sq = sq * alpha + oneMinusAlpha * g * g
   * if gAvg != null:     gAvg = gAvg * alpha + oneMinusAlpha * g,  avg = sqrt(sq - gAvg * gAvg) + eps
   * else:                avg = sqrt(sq) + eps
   * if buf != null:      buf = buf * momentum + g / avg,  param = param + negLr * buf
   * else:                param = param + negLr * g / avg
   * </pre>
   *
   * @param gAvg the average gradient when centered, else null
   * @param buf the momentum buffer when momentum is positive, else null
   */
  void rmsPropStep(
      float[] param,
      float[] grad,
      float[] sq,
      float[] gAvg,
      float[] buf,
      int n,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float alpha,
      float oneMinusAlpha,
      float eps,
      float momentum,
      float negLr);

  /**
   * One Adagrad update, as {@code torch.optim.Adagrad}:
   *
   * <pre>
   * g = maximize ? -grad : grad
   * if l2:   g = g + param * weightDecay
   * sum = sum + g * g
   * param = param + negClr * g / (sqrt(sum) + eps)
   * </pre>
   */
  void adagradStep(
      float[] param,
      float[] grad,
      float[] sum,
      int n,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float eps,
      float negClr);
}
