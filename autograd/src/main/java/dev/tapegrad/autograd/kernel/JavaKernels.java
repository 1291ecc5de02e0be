package dev.tapegrad.autograd.kernel;

import java.util.Arrays;

/**
 * The portable kernels in plain Java: the reference every other provider is tested against.
 *
 * <p>Matmul is cache-blocked: a {@code KC x NC} panel of {@code op(b)} is packed once into a
 * contiguous buffer (which also turns a transposed {@code b} into row-major order), then rows of
 * {@code c} are updated four at a time so every loaded panel element feeds four rows. The inner
 * loop is a unit-stride multiply-add over offsets into flat arrays, which C2 does not vectorize (it
 * runs at a few GFLOP/s; {@code MatmulBenchmark} measures it): this provider is the portable
 * reference, not the fast path. Large products split rows between {@link KernelThreads}; each
 * element of {@code c} is accumulated in the same order whatever the split. Sums accumulate in
 * double, which costs little and makes finite-difference checks in float32 trustworthy.
 *
 * <p>Transcendental functions are {@link Transcendentals}' (and {@link StrictMath#pow}), never
 * {@link Math}'s, whose results may change with the JIT, the JDK or the machine: these kernels give
 * the same bits everywhere, and the same bits as the Vector API kernels.
 */
public final class JavaKernels implements Kernels {
  private static final int KC = 128;
  private static final int NC = 512;
  private static final int MR = 4;
  private static final long PARALLEL_WORK = 1L << 20;

  @Override
  public String name() {
    return "java";
  }

  @Override
  public void gemm(
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
      int cOff) {
    Arrays.fill(c, cOff, cOff + m * n, 0f);
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    int threads = KernelThreads.threads();
    boolean parallel = threads > 1 && (long) m * n * k >= PARALLEL_WORK && m >= 2 * MR;
    float[] panel = new float[Math.min(KC, k) * Math.min(NC, n)];
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        packB(b, bOff, transB, n, k, pc, kc, jc, nc, panel);
        if (parallel) {
          int chunks = Math.min(threads * 4, (m + MR - 1) / MR);
          int rowsPerChunk = ((m + chunks - 1) / chunks + MR - 1) / MR * MR;
          int jcF = jc;
          int pcF = pc;
          KernelThreads.run(
              chunks,
              t -> {
                int i0 = t * rowsPerChunk;
                int i1 = Math.min(m, i0 + rowsPerChunk);
                if (i0 < i1) {
                  rows(i0, i1, m, n, k, a, aOff, transA, panel, kc, nc, pcF, jcF, c, cOff);
                }
              });
        } else {
          rows(0, m, m, n, k, a, aOff, transA, panel, kc, nc, pc, jc, c, cOff);
        }
      }
    }
  }

  /**
   * One call of {@link #gemm(int, int, int, float[], int, boolean, float[], int, boolean, float[],
   * int)} on the row-major copy: its every element of {@code c} is accumulated over the depth in
   * the same order whatever the row count or the split between threads, which is what the packed
   * product promises.
   */
  @Override
  public void gemm(int m, float[] a, int aOff, PackedMatrix b, float[] c, int cOff) {
    if (!(b instanceof PackedMatrix.RowMajor)) {
      throw new IllegalArgumentException(
          "gemm: the packed operand was packed by another kernel provider than java");
    }
    gemm(
        m,
        b.columns(),
        b.depth(),
        a,
        aOff,
        false,
        ((PackedMatrix.RowMajor) b).data,
        0,
        false,
        c,
        cOff);
  }

  private static void packB(
      float[] b,
      int bOff,
      boolean transB,
      int n,
      int k,
      int pc,
      int kc,
      int jc,
      int nc,
      float[] panel) {
    if (!transB) {
      for (int p = 0; p < kc; p++) {
        System.arraycopy(b, bOff + (pc + p) * n + jc, panel, p * nc, nc);
      }
    } else {
      for (int j = 0; j < nc; j++) {
        int src = bOff + (jc + j) * k + pc;
        for (int p = 0; p < kc; p++) {
          panel[p * nc + j] = b[src + p];
        }
      }
    }
  }

  private static void rows(
      int i0,
      int i1,
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      boolean transA,
      float[] panel,
      int kc,
      int nc,
      int pc,
      int jc,
      float[] c,
      int cOff) {
    int i = i0;
    for (; i + MR <= i1; i += MR) {
      int c0 = cOff + i * n + jc;
      int c1 = c0 + n;
      int c2 = c1 + n;
      int c3 = c2 + n;
      for (int p = 0; p < kc; p++) {
        float a0 = elementA(a, aOff, transA, m, k, i, pc + p);
        float a1 = elementA(a, aOff, transA, m, k, i + 1, pc + p);
        float a2 = elementA(a, aOff, transA, m, k, i + 2, pc + p);
        float a3 = elementA(a, aOff, transA, m, k, i + 3, pc + p);
        int po = p * nc;
        for (int j = 0; j < nc; j++) {
          float bj = panel[po + j];
          c[c0 + j] += a0 * bj;
          c[c1 + j] += a1 * bj;
          c[c2 + j] += a2 * bj;
          c[c3 + j] += a3 * bj;
        }
      }
    }
    for (; i < i1; i++) {
      int c0 = cOff + i * n + jc;
      for (int p = 0; p < kc; p++) {
        float a0 = elementA(a, aOff, transA, m, k, i, pc + p);
        int po = p * nc;
        for (int j = 0; j < nc; j++) {
          c[c0 + j] += a0 * panel[po + j];
        }
      }
    }
  }

  private static float elementA(float[] a, int aOff, boolean transA, int m, int k, int i, int p) {
    return transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
  }

  @Override
  public void softmax(float[] x, int outer, int size, int inner, float[] out, boolean log) {
    softmax(this, x, outer, size, inner, out, log);
  }

  /**
   * Softmax through {@code kernels}' own exponential, sum and scaling, so that every provider's
   * softmax agrees with its {@code exp}: the shifted values are written to {@code out}, raised
   * there in one contiguous {@link #unary} call per block, then summed and scaled.
   */
  static void softmax(
      Kernels kernels, float[] x, int outer, int size, int inner, float[] out, boolean log) {
    if (inner == 1) {
      for (int o = 0, base = 0; o < outer; o++, base += size) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < size; j++) {
          max = Math.max(max, x[base + j]);
        }
        if (!Float.isFinite(max)) {
          max = 0f;
        }
        for (int j = 0; j < size; j++) {
          out[base + j] = x[base + j] - max;
        }
        kernels.unary(UnaryOp.EXP, out, base, out, base, size);
        // summed here in order, not by the provider's sum, whose lanes would add in another
        // order: softmax gives the same bits on both providers
        double sum = 0;
        for (int j = 0; j < size; j++) {
          sum += out[base + j];
        }
        if (log) {
          logSoftmax(x, base, 1, size, max, sum, out);
        } else {
          kernels.scalarOp(BinaryOp.MUL, out, base, (float) (1 / sum), false, out, base, size);
        }
      }
      return;
    }
    float[] max = new float[inner];
    double[] sum = new double[inner];
    for (int o = 0; o < outer; o++) {
      int base = o * size * inner;
      Arrays.fill(max, Float.NEGATIVE_INFINITY);
      Arrays.fill(sum, 0);
      for (int j = 0; j < size; j++) {
        for (int i = 0; i < inner; i++) {
          max[i] = Math.max(max[i], x[base + j * inner + i]);
        }
      }
      for (int i = 0; i < inner; i++) {
        if (!Float.isFinite(max[i])) {
          max[i] = 0f;
        }
      }
      for (int j = 0; j < size; j++) {
        for (int i = 0; i < inner; i++) {
          out[base + j * inner + i] = x[base + j * inner + i] - max[i];
        }
      }
      kernels.unary(UnaryOp.EXP, out, base, out, base, size * inner);
      for (int j = 0; j < size; j++) {
        for (int i = 0; i < inner; i++) {
          sum[i] += out[base + j * inner + i];
        }
      }
      for (int i = 0; i < inner; i++) {
        if (log) {
          logSoftmax(x, base + i, inner, size, max[i], sum[i], out);
        } else {
          float inv = (float) (1 / sum[i]);
          for (int j = 0; j < size; j++) {
            out[base + j * inner + i] *= inv;
          }
        }
      }
    }
  }

  /**
   * Writes {@code (x - max) - log(sum)}, rounded once: not {@code x - (max + log(sum))}, which
   * rounds log(sum) at the magnitude of max and loses it for large logits.
   */
  private static void logSoftmax(
      float[] x, int base, int stride, int size, float max, double sum, float[] out) {
    double logSum = Transcendentals.logDouble(sum);
    for (int j = 0, at = base; j < size; j++, at += stride) {
      out[at] = (float) ((x[at] - max) - logSum);
    }
  }

  @Override
  public void scalarOp(
      BinaryOp op,
      float[] x,
      int xOff,
      float s,
      boolean scalarFirst,
      float[] out,
      int outOff,
      int n) {
    switch (op) {
      case ADD -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = x[xOff + i] + s;
        }
        return;
      }
      case MUL -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = x[xOff + i] * s;
        }
        return;
      }
      case SUB -> {
        if (scalarFirst) {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = s - x[xOff + i];
          }
        } else {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] - s;
          }
        }
        return;
      }
      case DIV -> {
        if (scalarFirst) {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = s / x[xOff + i];
          }
        } else {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] / s;
          }
        }
        return;
      }
      default -> {
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          out[outOff + i] = scalarFirst ? apply(op, s, v) : apply(op, v, s);
        }
      }
    }
  }

  @Override
  public void where(
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
      int n) {
    for (int i = 0, ia = aOff, ib = bOff; i < n; i++, ia += aStride, ib += bStride) {
      out[outOff + i] = mask[mOff + i] != 0 ? a[ia] : b[ib];
    }
  }

  @Override
  public void gather(float[] src, int[] positions, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = src[positions[i]];
    }
  }

  @Override
  public void scatterAdd(float[] g, int[] positions, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      out[positions[i]] += g[i];
    }
  }

  @Override
  public void indexSelect(float[] x, int outer, int size, int inner, int[] index, float[] out) {
    int count = index.length;
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < count; j++) {
        System.arraycopy(x, (o * size + index[j]) * inner, out, (o * count + j) * inner, inner);
      }
    }
  }

  @Override
  public void indexAdd(float[] g, int outer, int size, int inner, int[] index, float[] out) {
    int count = index.length;
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < count; j++) {
        int src = (o * count + j) * inner;
        int dst = (o * size + index[j]) * inner;
        for (int i = 0; i < inner; i++) {
          out[dst + i] += g[src + i];
        }
      }
    }
  }

  @Override
  public void unary(UnaryOp op, float[] x, int xOff, float[] out, int outOff, int n) {
    switch (op) {
      case NEG -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = -x[xOff + i];
        }
      }
      case EXP -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.exp(x[xOff + i]);
        }
      }
      case LOG -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.log(x[xOff + i]);
        }
      }
      case SQRT -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = (float) Math.sqrt(x[xOff + i]);
        }
      }
      case ABS -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Math.abs(x[xOff + i]);
        }
      }
      case SIGN -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Math.signum(x[xOff + i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.tanh(x[xOff + i]);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.sigmoid(x[xOff + i]);
        }
      }
      case RELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          out[outOff + i] = v > 0 ? v : (v == v ? 0f : v);
        }
      }
      case ERF -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = (float) Transcendentals.erf(x[xOff + i]);
        }
      }
      case SIN -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.sin(x[xOff + i]);
        }
      }
      case COS -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.cos(x[xOff + i]);
        }
      }
      case POSITIVE -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = x[xOff + i] > 0 ? 1f : 0f;
        }
      }
      case NORMAL_PDF -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.normalPdf(x[xOff + i]);
        }
      }
      case NORMAL_CDF -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = (float) (0.5 * (1 + Transcendentals.erf(x[xOff + i] * INV_SQRT2)));
        }
      }
      case GELU -> {
        for (int i = 0; i < n; i++) {
          double v = x[xOff + i];
          out[outOff + i] = (float) (v * 0.5 * (1 + Transcendentals.erf(v * INV_SQRT2)));
        }
      }
      case SOFTPLUS -> {
        for (int i = 0; i < n; i++) {
          out[outOff + i] = Transcendentals.softplus(x[xOff + i]);
        }
      }
      default -> throw new AssertionError(op);
    }
  }

  private static final double INV_SQRT2 = Transcendentals.INV_SQRT2;

  /** The error function, {@link Transcendentals#erf}. */
  static double erf(double x) {
    return Transcendentals.erf(x);
  }

  @Override
  public void binary(
      BinaryOp op,
      float[] a,
      int aOff,
      int aStride,
      float[] b,
      int bOff,
      int bStride,
      float[] out,
      int outOff,
      int n) {
    if (n == 0) {
      return; // the broadcast cases below read one element even for n = 0
    }
    if (aStride == 1 && bStride == 1) {
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
          }
          return;
        }
        case SUB -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] - b[bOff + i];
          }
          return;
        }
        case MUL -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
          }
          return;
        }
        case DIV -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] / b[bOff + i];
          }
          return;
        }
        default -> {}
      }
    } else if (aStride == 1 && bStride == 0) {
      float s = b[bOff];
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] + s;
          }
          return;
        }
        case SUB -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] - s;
          }
          return;
        }
        case MUL -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] * s;
          }
          return;
        }
        case DIV -> {
          for (int i = 0; i < n; i++) {
            out[outOff + i] = a[aOff + i] / s;
          }
          return;
        }
        default -> {}
      }
    }
    for (int i = 0, ia = aOff, ib = bOff; i < n; i++, ia += aStride, ib += bStride) {
      out[outOff + i] = apply(op, a[ia], b[ib]);
    }
  }

  private static float apply(BinaryOp op, float x, float y) {
    return switch (op) {
      case ADD -> x + y;
      case SUB -> x - y;
      case MUL -> x * y;
      case DIV -> x / y;
      case POW -> (float) StrictMath.pow(x, y);
      case MAX -> (x != x || y != y) ? Float.NaN : Math.max(x, y);
      case MIN -> (x != x || y != y) ? Float.NaN : Math.min(x, y);
      case GT -> x > y ? 1f : 0f;
      case GE -> x >= y ? 1f : 0f;
      case EQ -> x == y ? 1f : 0f;
      default -> throw new AssertionError(op);
    };
  }

  @Override
  public double sum(float[] x, int off, int n) {
    double s0 = 0;
    double s1 = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      s0 += x[off + i];
      s1 += x[off + i + 1];
    }
    if (i < n) {
      s0 += x[off + i];
    }
    return s0 + s1;
  }

  @Override
  public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
    double s0 = 0;
    double s1 = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      s0 += (double) a[aOff + i] * b[bOff + i];
      s1 += (double) a[aOff + i + 1] * b[bOff + i + 1];
    }
    if (i < n) {
      s0 += (double) a[aOff + i] * b[bOff + i];
    }
    return s0 + s1;
  }

  @Override
  public void sumAxis(float[] x, int outer, int size, int inner, float[] out) {
    if (inner == 1) {
      for (int o = 0; o < outer; o++) {
        out[o] = (float) sum(x, o * size, size);
      }
      return;
    }
    if (outer == 1 && (long) size * inner >= KernelThreads.ELEMENTWISE_PARALLEL) {
      // each column is summed over the rows in order whichever thread takes it: same bits
      KernelThreads.rows(inner, (c0, c1) -> sumColumns(x, 0, size, inner, c0, c1, out, 0));
      return;
    }
    for (int o = 0; o < outer; o++) {
      sumColumns(x, o * size * inner, size, inner, 0, inner, out, o * inner);
    }
  }

  /** Columns {@code [c0, c1)} of {@code x [size, inner]} from {@code base}, summed in double. */
  private static void sumColumns(
      float[] x, int base, int size, int inner, int c0, int c1, float[] out, int dst) {
    double[] acc = new double[c1 - c0];
    for (int j = 0; j < size; j++) {
      int row = base + j * inner + c0;
      for (int i = 0; i < acc.length; i++) {
        acc[i] += x[row + i];
      }
    }
    for (int i = 0; i < acc.length; i++) {
      out[dst + c0 + i] = (float) acc[i];
    }
  }

  @Override
  public void maxAxis(float[] x, int outer, int size, int inner, float[] out, int[] argmax) {
    for (int o = 0; o < outer; o++) {
      int base = o * size * inner;
      for (int i = 0; i < inner; i++) {
        float best = Float.NEGATIVE_INFINITY;
        int bestJ = 0;
        for (int j = 0; j < size; j++) {
          float v = x[base + j * inner + i];
          if (v > best || v != v) {
            best = v;
            bestJ = j;
            if (v != v) {
              break;
            }
          }
        }
        out[o * inner + i] = best;
        if (argmax != null) {
          argmax[o * inner + i] = bestJ;
        }
      }
    }
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  // Optimizer updates: each line below is one float32 operation of the composed update, in the
  // same order, so the result is bit for bit that of PyTorch's sequence of in-place ops.

  @Override
  public void sgdStep(
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
      float negLr) {
    sgdStepRange(
        0,
        n,
        param,
        grad,
        buf,
        maximize,
        l2,
        weightDecay,
        momentum,
        oneMinusDampening,
        nesterov,
        firstStep,
        negLr);
  }

  /** {@link #sgdStep} over elements {@code [from, to)}; the Vector API provider's tail. */
  static void sgdStepRange(
      int from,
      int to,
      float[] param,
      float[] grad,
      float[] buf,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float momentum,
      float oneMinusDampening,
      boolean nesterov,
      boolean firstStep,
      float negLr) {
    for (int i = from; i < to; i++) {
      float p = param[i];
      float g = maximize ? -grad[i] : grad[i];
      if (l2) {
        g = g + p * weightDecay;
      }
      if (buf != null) {
        float b = firstStep ? g : buf[i] * momentum + oneMinusDampening * g;
        buf[i] = b;
        g = nesterov ? g + b * momentum : b;
      }
      param[i] = p + negLr * g;
    }
  }

  @Override
  public void adamStep(
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
      float negStepSize) {
    adamStepRange(
        0,
        n,
        param,
        grad,
        m,
        v,
        vMax,
        maximize,
        decoupled,
        decayFactor,
        l2,
        weightDecay,
        beta1,
        oneMinusBeta1,
        beta2,
        oneMinusBeta2,
        biasCorrection2Sqrt,
        eps,
        negStepSize);
  }

  /** {@link #adamStep} over elements {@code [from, to)}; the Vector API provider's tail. */
  static void adamStepRange(
      int from,
      int to,
      float[] param,
      float[] grad,
      float[] m,
      float[] v,
      float[] vMax,
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
      float negStepSize) {
    for (int i = from; i < to; i++) {
      float p = param[i];
      float g = maximize ? -grad[i] : grad[i];
      if (decoupled) {
        p = p * decayFactor;
      }
      if (l2) {
        g = g + p * weightDecay;
      }
      float mi = m[i] * beta1 + oneMinusBeta1 * g;
      float vi = v[i] * beta2 + oneMinusBeta2 * g * g;
      m[i] = mi;
      v[i] = vi;
      float s = vi;
      if (vMax != null) {
        float x = vMax[i];
        s = (x != x || vi != vi) ? Float.NaN : Math.max(x, vi);
        vMax[i] = s;
      }
      float denom = (float) Math.sqrt(s) / biasCorrection2Sqrt + eps;
      param[i] = p + negStepSize * mi / denom;
    }
  }

  @Override
  public void rmsPropStep(
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
      float negLr) {
    rmsPropStepRange(
        0,
        n,
        param,
        grad,
        sq,
        gAvg,
        buf,
        maximize,
        l2,
        weightDecay,
        alpha,
        oneMinusAlpha,
        eps,
        momentum,
        negLr);
  }

  /** {@link #rmsPropStep} over elements {@code [from, to)}; the Vector API provider's tail. */
  static void rmsPropStepRange(
      int from,
      int to,
      float[] param,
      float[] grad,
      float[] sq,
      float[] gAvg,
      float[] buf,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float alpha,
      float oneMinusAlpha,
      float eps,
      float momentum,
      float negLr) {
    for (int i = from; i < to; i++) {
      float p = param[i];
      float g = maximize ? -grad[i] : grad[i];
      if (l2) {
        g = g + p * weightDecay;
      }
      float s = sq[i] * alpha + oneMinusAlpha * g * g;
      sq[i] = s;
      float avg;
      if (gAvg != null) {
        float a = gAvg[i] * alpha + oneMinusAlpha * g;
        gAvg[i] = a;
        avg = (float) Math.sqrt(s - a * a) + eps;
      } else {
        avg = (float) Math.sqrt(s) + eps;
      }
      if (buf != null) {
        float b = buf[i] * momentum + g / avg;
        buf[i] = b;
        param[i] = p + negLr * b;
      } else {
        param[i] = p + negLr * g / avg;
      }
    }
  }

  @Override
  public void adagradStep(
      float[] param,
      float[] grad,
      float[] sum,
      int n,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float eps,
      float negClr) {
    adagradStepRange(0, n, param, grad, sum, maximize, l2, weightDecay, eps, negClr);
  }

  /** {@link #adagradStep} over elements {@code [from, to)}; the Vector API provider's tail. */
  static void adagradStepRange(
      int from,
      int to,
      float[] param,
      float[] grad,
      float[] sum,
      boolean maximize,
      boolean l2,
      float weightDecay,
      float eps,
      float negClr) {
    for (int i = from; i < to; i++) {
      float p = param[i];
      float g = maximize ? -grad[i] : grad[i];
      if (l2) {
        g = g + p * weightDecay;
      }
      float s = sum[i] + g * g;
      sum[i] = s;
      param[i] = p + negClr * g / ((float) Math.sqrt(s) + eps);
    }
  }
}
