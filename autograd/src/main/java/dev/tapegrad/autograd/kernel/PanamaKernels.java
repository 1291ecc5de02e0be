package dev.tapegrad.autograd.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API ({@code jdk.incubator.vector}), with the preferred vector
 * species of the machine.
 *
 * <p>Only {@link KernelProvider} refers to this class, and only by name, so a JVM started without
 * {@code --add-modules jdk.incubator.vector} never links it. Every method agrees with {@link
 * JavaKernels} within float rounding:
 *
 * <ul>
 *   <li>add, subtract, multiply, divide, max, min, comparisons, neg, abs, relu and axpy round
 *       exactly as the reference does (same IEEE operations, lane by lane);
 *   <li>exp, log, tanh, sigmoid, sin, cos, softplus and the normal density are {@link
 *       PanamaTranscendentals}: the reference's {@link Transcendentals}, lane by lane, so they
 *       match it bit for bit (the Vector API's own transcendentals change with the JIT);
 *   <li>sums and dot products still accumulate in double (four lanes at a time), so only the order
 *       of the additions differs;
 *   <li>functions the Vector API lacks (erf and what is built on it: the normal distribution,
 *       gelu), {@code pow}, and the strided cases of the binary kernel run the reference's scalar
 *       loops, as does every tail shorter than one vector.
 * </ul>
 */
final class PanamaKernels implements Kernels {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> DOUBLES =
      VectorSpecies.of(double.class, FLOATS.vectorShape());
  private static final int LANES = FLOATS.length();
  private static final JavaKernels REFERENCE = new JavaKernels();

  /**
   * Shorter arrays take the reference's scalar loops: as fast for a few elements, and they keep the
   * many tiny ops of a test suite off vector code that is slow until C2 has compiled it.
   */
  private static final int MIN_VECTOR_LENGTH = 32;

  /**
   * Creates the kernels, or throws {@link UnsupportedOperationException} when vectors are too short
   * to pay off (the Vector API then emulates them, slowly).
   */
  PanamaKernels() {
    if (LANES < 4) {
      throw new UnsupportedOperationException(
          "the preferred float vector has " + LANES + " lanes; at least 4 are needed");
    }
  }

  @Override
  public String name() {
    return "panama";
  }

  @Override
  public String toString() {
    return "panama (" + FLOATS.vectorBitSize() + "-bit vectors, " + LANES + " floats)";
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
    PanamaGemm.gemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff);
  }

  @Override
  public PackedMatrix pack(int k, int n, float[] b, int bOff, boolean transB) {
    PackedMatrix.checkPack(k, n, b, bOff);
    return PanamaGemm.pack(k, n, b, bOff, transB);
  }

  @Override
  public void gemm(int m, float[] a, int aOff, PackedMatrix b, float[] c, int cOff) {
    if (!(b instanceof PanamaGemm.Packed)) {
      throw new IllegalArgumentException(
          "gemm: the packed operand was packed by another kernel provider than panama");
    }
    PanamaGemm.gemm(m, a, aOff, (PanamaGemm.Packed) b, c, cOff);
  }

  /** The reference's loops around this provider's exponential, sum and scaling. */
  @Override
  public void softmax(float[] x, int outer, int size, int inner, float[] out, boolean log) {
    JavaKernels.softmax(this, x, outer, size, inner, out, log);
  }

  /** Vector loops for the four arithmetic operations; the others run the reference's loop. */
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
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    if (bound > 0) {
      switch (op) {
        case ADD -> addScalar(x, xOff, s, out, outOff, bound);
        case MUL -> mulScalar(x, xOff, s, out, outOff, bound);
        case SUB -> subScalar(x, xOff, s, scalarFirst, out, outOff, bound);
        case DIV -> divScalar(x, xOff, s, scalarFirst, out, outOff, bound);
        default -> bound = 0;
      }
    }
    if (bound < n) {
      REFERENCE.scalarOp(op, x, xOff + bound, s, scalarFirst, out, outOff + bound, n - bound);
    }
  }

  private static void addScalar(float[] x, int xOff, float s, float[] out, int outOff, int bound) {
    for (int i = 0; i < bound; i += LANES) {
      load(x, xOff + i).add(s).intoArray(out, outOff + i);
    }
  }

  private static void mulScalar(float[] x, int xOff, float s, float[] out, int outOff, int bound) {
    for (int i = 0; i < bound; i += LANES) {
      load(x, xOff + i).mul(s).intoArray(out, outOff + i);
    }
  }

  private static void subScalar(
      float[] x, int xOff, float s, boolean scalarFirst, float[] out, int outOff, int bound) {
    FloatVector fixed = FloatVector.broadcast(FLOATS, s);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      (scalarFirst ? fixed.sub(v) : v.sub(fixed)).intoArray(out, outOff + i);
    }
  }

  private static void divScalar(
      float[] x, int xOff, float s, boolean scalarFirst, float[] out, int outOff, int bound) {
    FloatVector fixed = FloatVector.broadcast(FLOATS, s);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      (scalarFirst ? fixed.div(v) : v.div(fixed)).intoArray(out, outOff + i);
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
    boolean vectorizable = n >= MIN_VECTOR_LENGTH && (aStride | bStride) <= 1;
    int bound = vectorizable ? FLOATS.loopBound(n) : 0;
    if (bound > 0) {
      select(mask, mOff, a, aOff, aStride == 1, b, bOff, bStride == 1, out, outOff, bound);
    }
    if (bound < n) {
      REFERENCE.where(
          mask,
          mOff + bound,
          a,
          aOff + bound * aStride,
          aStride,
          b,
          bOff + bound * bStride,
          bStride,
          out,
          outOff + bound,
          n - bound);
    }
  }

  /** Lanes where the mask is not equal to 0 (NaN included, -0 excluded) take {@code a}. */
  private static void select(
      float[] mask,
      int mOff,
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x = operand(a, aOff + i, aVaries, aFixed);
      FloatVector y = operand(b, bOff + i, bVaries, bFixed);
      y.blend(x, load(mask, mOff + i).compare(VectorOperators.NE, 0f)).intoArray(out, outOff + i);
    }
  }

  /** A vector gather of {@code LANES} positions at a time. */
  @Override
  public void gather(float[] src, int[] positions, float[] out, int n) {
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector.fromArray(FLOATS, src, 0, positions, i).intoArray(out, i);
    }
    for (int i = bound; i < n; i++) {
      out[i] = src[positions[i]];
    }
  }

  /** The reference's loop: a vector scatter would lose the additions to repeated positions. */
  @Override
  public void scatterAdd(float[] g, int[] positions, float[] out, int n) {
    REFERENCE.scatterAdd(g, positions, out, n);
  }

  /** The reference's {@link System#arraycopy} per slice, already as fast as a copy gets. */
  @Override
  public void indexSelect(float[] x, int outer, int size, int inner, int[] index, float[] out) {
    REFERENCE.indexSelect(x, outer, size, inner, index, out);
  }

  /** Slices of at least {@code MIN_VECTOR_LENGTH} are added with vectors. */
  @Override
  public void indexAdd(float[] g, int outer, int size, int inner, int[] index, float[] out) {
    if (inner < MIN_VECTOR_LENGTH) {
      REFERENCE.indexAdd(g, outer, size, inner, index, out);
      return;
    }
    int count = index.length;
    int bound = FLOATS.loopBound(inner);
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < count; j++) {
        int src = (o * count + j) * inner;
        int dst = (o * size + index[j]) * inner;
        int i = 0;
        for (; i < bound; i += LANES) {
          load(out, dst + i).add(load(g, src + i)).intoArray(out, dst + i);
        }
        for (; i < inner; i++) {
          out[dst + i] += g[src + i];
        }
      }
    }
  }

  @Override
  public void unary(UnaryOp op, float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    // one small method per function: C2 compiles and inlines each reliably, where one method
    // holding every loop could exceed its inlining budget and fall back to boxed vectors
    switch (op) {
      case NEG -> neg(x, xOff, out, outOff, bound);
      case EXP ->
          bound = transcendental(n) ? PanamaTranscendentals.exp(x, xOff, out, outOff, n) : 0;
      case LOG ->
          bound = transcendental(n) ? PanamaTranscendentals.log(x, xOff, out, outOff, n) : 0;
      case SQRT -> sqrt(x, xOff, out, outOff, bound);
      case ABS -> abs(x, xOff, out, outOff, bound);
      case SIGN -> sign(x, xOff, out, outOff, bound);
      case TANH ->
          bound = transcendental(n) ? PanamaTranscendentals.tanh(x, xOff, out, outOff, n) : 0;
      case SIGMOID ->
          bound = transcendental(n) ? PanamaTranscendentals.sigmoid(x, xOff, out, outOff, n) : 0;
      case RELU -> relu(x, xOff, out, outOff, bound);
      case SIN ->
          bound = transcendental(n) ? PanamaTranscendentals.sin(x, xOff, out, outOff, n) : 0;
      case COS ->
          bound = transcendental(n) ? PanamaTranscendentals.cos(x, xOff, out, outOff, n) : 0;
      case POSITIVE -> positive(x, xOff, out, outOff, bound);
      case NORMAL_PDF ->
          bound = transcendental(n) ? PanamaTranscendentals.normalPdf(x, xOff, out, outOff, n) : 0;
      case SOFTPLUS ->
          bound = transcendental(n) ? PanamaTranscendentals.softplus(x, xOff, out, outOff, n) : 0;
      default -> {
        // ERF, NORMAL_CDF, GELU: the Vector API has no erf
        bound = 0;
      }
    }
    if (bound < n) {
      REFERENCE.unary(op, x, xOff + bound, out, outOff + bound, n - bound);
    }
  }

  /** Whether a unary transcendental of n elements takes the vector loop. */
  private static boolean transcendental(int n) {
    return n >= MIN_VECTOR_LENGTH;
  }

  private static FloatVector load(float[] x, int at) {
    return FloatVector.fromArray(FLOATS, x, at);
  }

  private static void neg(float[] x, int xOff, float[] out, int outOff, int bound) {
    for (int i = 0; i < bound; i += LANES) {
      load(x, xOff + i).neg().intoArray(out, outOff + i);
    }
  }

  private static void sqrt(float[] x, int xOff, float[] out, int outOff, int bound) {
    for (int i = 0; i < bound; i += LANES) {
      load(x, xOff + i).sqrt().intoArray(out, outOff + i);
    }
  }

  private static void abs(float[] x, int xOff, float[] out, int outOff, int bound) {
    for (int i = 0; i < bound; i += LANES) {
      load(x, xOff + i).abs().intoArray(out, outOff + i);
    }
  }

  /** x itself where it is +-0 or NaN, as {@link Math#signum}. */
  private static void sign(float[] x, int xOff, float[] out, int outOff, int bound) {
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    FloatVector minusOne = FloatVector.broadcast(FLOATS, -1f);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      v.blend(one, v.compare(VectorOperators.GT, 0f))
          .blend(minusOne, v.compare(VectorOperators.LT, 0f))
          .intoArray(out, outOff + i);
    }
  }

  /** Lanewise {@link Math#max} with 0: NaN stays NaN and -0 becomes +0, as in the reference. */
  private static void relu(float[] x, int xOff, float[] out, int outOff, int bound) {
    FloatVector zero = FloatVector.zero(FLOATS);
    for (int i = 0; i < bound; i += LANES) {
      load(x, xOff + i).max(zero).intoArray(out, outOff + i);
    }
  }

  private static void positive(float[] x, int xOff, float[] out, int outOff, int bound) {
    FloatVector zero = FloatVector.zero(FLOATS);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    for (int i = 0; i < bound; i += LANES) {
      zero.blend(one, load(x, xOff + i).compare(VectorOperators.GT, 0f)).intoArray(out, outOff + i);
    }
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
    boolean vectorizable =
        n >= MIN_VECTOR_LENGTH && (aStride | bStride) <= 1 && aStride + bStride > 0;
    int bound = vectorizable ? FLOATS.loopBound(n) : 0;
    // a stride of 0 is one value broadcast; the tests on the strides are loop-invariant
    boolean aVaries = aStride == 1;
    boolean bVaries = bStride == 1;
    if (bound > 0) {
      switch (op) {
        case ADD -> add(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case SUB -> sub(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case MUL -> mul(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case DIV -> div(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case MAX -> max(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case MIN -> min(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case GT -> greater(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case GE -> greaterOrEqual(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        case EQ -> equal(a, aOff, aVaries, b, bOff, bVaries, out, outOff, bound);
        default -> {
          // POW: the reference computes it in double
          bound = 0;
        }
      }
    }
    if (bound < n) {
      REFERENCE.binary(
          op,
          a,
          aOff + bound * aStride,
          aStride,
          b,
          bOff + bound * bStride,
          bStride,
          out,
          outOff + bound,
          n - bound);
    }
  }

  private static FloatVector operand(float[] x, int at, boolean varies, FloatVector fixed) {
    return varies ? load(x, at) : fixed;
  }

  private static void add(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      operand(a, aOff + i, aVaries, aFixed)
          .add(operand(b, bOff + i, bVaries, bFixed))
          .intoArray(out, outOff + i);
    }
  }

  private static void sub(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      operand(a, aOff + i, aVaries, aFixed)
          .sub(operand(b, bOff + i, bVaries, bFixed))
          .intoArray(out, outOff + i);
    }
  }

  private static void mul(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      operand(a, aOff + i, aVaries, aFixed)
          .mul(operand(b, bOff + i, bVaries, bFixed))
          .intoArray(out, outOff + i);
    }
  }

  private static void div(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      operand(a, aOff + i, aVaries, aFixed)
          .div(operand(b, bOff + i, bVaries, bFixed))
          .intoArray(out, outOff + i);
    }
  }

  /** Lanewise {@link Math#max}: NaN wins and +0 beats -0, as in the reference. */
  private static void max(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      operand(a, aOff + i, aVaries, aFixed)
          .max(operand(b, bOff + i, bVaries, bFixed))
          .intoArray(out, outOff + i);
    }
  }

  private static void min(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    for (int i = 0; i < bound; i += LANES) {
      operand(a, aOff + i, aVaries, aFixed)
          .min(operand(b, bOff + i, bVaries, bFixed))
          .intoArray(out, outOff + i);
    }
  }

  /** 1 where {@code a > b}, else 0. */
  private static void greater(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    FloatVector zero = FloatVector.zero(FLOATS);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x = operand(a, aOff + i, aVaries, aFixed);
      FloatVector y = operand(b, bOff + i, bVaries, bFixed);
      zero.blend(one, x.compare(VectorOperators.GT, y)).intoArray(out, outOff + i);
    }
  }

  /** 1 where {@code a >= b}, else 0. */
  private static void greaterOrEqual(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    FloatVector zero = FloatVector.zero(FLOATS);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x = operand(a, aOff + i, aVaries, aFixed);
      FloatVector y = operand(b, bOff + i, bVaries, bFixed);
      zero.blend(one, x.compare(VectorOperators.GE, y)).intoArray(out, outOff + i);
    }
  }

  /** 1 where {@code a == b}, else 0. */
  private static void equal(
      float[] a,
      int aOff,
      boolean aVaries,
      float[] b,
      int bOff,
      boolean bVaries,
      float[] out,
      int outOff,
      int bound) {
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    FloatVector zero = FloatVector.zero(FLOATS);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector x = operand(a, aOff + i, aVaries, aFixed);
      FloatVector y = operand(b, bOff + i, bVaries, bFixed);
      zero.blend(one, x.compare(VectorOperators.EQ, y)).intoArray(out, outOff + i);
    }
  }

  @Override
  public double sum(float[] x, int off, int n) {
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    DoubleVector s0 = DoubleVector.zero(DOUBLES);
    DoubleVector s1 = s0;
    int i = 0;
    for (; i < bound; i += LANES) {
      FloatVector v = load(x, off + i);
      s0 = s0.add((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0));
      s1 = s1.add((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 1));
    }
    double s = sumLanes(s0.add(s1));
    for (; i < n; i++) {
      s += x[off + i];
    }
    return s;
  }

  @Override
  public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    DoubleVector s0 = DoubleVector.zero(DOUBLES);
    DoubleVector s1 = s0;
    int i = 0;
    // a float product is exact in double, so this matches the reference's (double) a * b
    for (; i < bound; i += LANES) {
      FloatVector x = load(a, aOff + i);
      FloatVector y = load(b, bOff + i);
      s0 =
          ((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0))
              .fma((DoubleVector) y.convertShape(VectorOperators.F2D, DOUBLES, 0), s0);
      s1 =
          ((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 1))
              .fma((DoubleVector) y.convertShape(VectorOperators.F2D, DOUBLES, 1), s1);
    }
    double s = sumLanes(s0.add(s1));
    for (; i < n; i++) {
      s += (double) a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  @Override
  public void sumAxis(float[] x, int outer, int size, int inner, float[] out) {
    if (inner == 1) {
      for (int o = 0; o < outer; o++) {
        out[o] = (float) sum(x, o * size, size);
      }
      return;
    }
    if (inner < MIN_VECTOR_LENGTH) {
      REFERENCE.sumAxis(x, outer, size, inner, out);
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

  /**
   * Columns {@code [c0, c1)} of {@code x [size, inner]} from {@code base}, summed: one double
   * accumulator per column, updated row by row with unit stride.
   */
  private static void sumColumns(
      float[] x, int base, int size, int inner, int c0, int c1, float[] out, int dst) {
    int half = LANES / 2;
    int width = c1 - c0;
    double[] acc = new double[width];
    int bound = FLOATS.loopBound(width);
    for (int j = 0; j < size; j++) {
      int row = base + j * inner + c0;
      int i = 0;
      for (; i < bound; i += LANES) {
        FloatVector v = load(x, row + i);
        DoubleVector.fromArray(DOUBLES, acc, i)
            .add((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0))
            .intoArray(acc, i);
        DoubleVector.fromArray(DOUBLES, acc, i + half)
            .add((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 1))
            .intoArray(acc, i + half);
      }
      for (; i < width; i++) {
        acc[i] += x[row + i];
      }
    }
    for (int i = 0; i < width; i++) {
      out[dst + c0 + i] = (float) acc[i];
    }
  }

  @Override
  public void maxAxis(float[] x, int outer, int size, int inner, float[] out, int[] argmax) {
    REFERENCE.maxAxis(x, outer, size, inner, out, argmax);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    // multiply then add, two roundings, exactly as the reference
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    int i = 0;
    for (; i < bound; i += LANES) {
      load(x, xOff + i).mul(alpha).add(load(y, yOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  // Optimizer updates: the reference's operations lane by lane (multiply, add, divide, negate,
  // square root and max are correctly rounded IEEE operations, so every lane gets the reference's
  // bits), then the reference's loop for the tail. Flags are loop-invariant.

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
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector p = load(param, i);
      FloatVector g = load(grad, i);
      if (maximize) {
        g = g.neg();
      }
      if (l2) {
        g = g.add(p.mul(weightDecay));
      }
      if (buf != null) {
        FloatVector b = firstStep ? g : load(buf, i).mul(momentum).add(g.mul(oneMinusDampening));
        b.intoArray(buf, i);
        g = nesterov ? g.add(b.mul(momentum)) : b;
      }
      p.add(g.mul(negLr)).intoArray(param, i);
    }
    JavaKernels.sgdStepRange(
        bound,
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
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector p = load(param, i);
      FloatVector g = load(grad, i);
      if (maximize) {
        g = g.neg();
      }
      if (decoupled) {
        p = p.mul(decayFactor);
      }
      if (l2) {
        g = g.add(p.mul(weightDecay));
      }
      FloatVector mi = load(m, i).mul(beta1).add(g.mul(oneMinusBeta1));
      FloatVector vi = load(v, i).mul(beta2).add(g.mul(oneMinusBeta2).mul(g));
      mi.intoArray(m, i);
      vi.intoArray(v, i);
      FloatVector s = vi;
      if (vMax != null) {
        s = load(vMax, i).max(vi);
        s.intoArray(vMax, i);
      }
      FloatVector denom = s.lanewise(VectorOperators.SQRT).div(biasCorrection2Sqrt).add(eps);
      p.add(mi.mul(negStepSize).div(denom)).intoArray(param, i);
    }
    JavaKernels.adamStepRange(
        bound,
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
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector p = load(param, i);
      FloatVector g = load(grad, i);
      if (maximize) {
        g = g.neg();
      }
      if (l2) {
        g = g.add(p.mul(weightDecay));
      }
      FloatVector s = load(sq, i).mul(alpha).add(g.mul(oneMinusAlpha).mul(g));
      s.intoArray(sq, i);
      FloatVector avg;
      if (gAvg != null) {
        FloatVector a = load(gAvg, i).mul(alpha).add(g.mul(oneMinusAlpha));
        a.intoArray(gAvg, i);
        avg = s.sub(a.mul(a)).lanewise(VectorOperators.SQRT).add(eps);
      } else {
        avg = s.lanewise(VectorOperators.SQRT).add(eps);
      }
      if (buf != null) {
        FloatVector b = load(buf, i).mul(momentum).add(g.div(avg));
        b.intoArray(buf, i);
        p.add(b.mul(negLr)).intoArray(param, i);
      } else {
        p.add(g.mul(negLr).div(avg)).intoArray(param, i);
      }
    }
    JavaKernels.rmsPropStepRange(
        bound,
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
    int bound = n < MIN_VECTOR_LENGTH ? 0 : FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector p = load(param, i);
      FloatVector g = load(grad, i);
      if (maximize) {
        g = g.neg();
      }
      if (l2) {
        g = g.add(p.mul(weightDecay));
      }
      FloatVector s = load(sum, i).add(g.mul(g));
      s.intoArray(sum, i);
      p.add(g.mul(negClr).div(s.lanewise(VectorOperators.SQRT).add(eps))).intoArray(param, i);
    }
    JavaKernels.adagradStepRange(
        bound, n, param, grad, sum, maximize, l2, weightDecay, eps, negClr);
  }

  /**
   * The lanes of {@code v} added in lane order. Not {@code reduceLanes(ADD)}, whose order for
   * floating-point lanes is unspecified (sequential in the interpreter, a tree under C2), so its
   * last bits would depend on the JIT state.
   */
  private static double sumLanes(DoubleVector v) {
    double t = 0;
    for (int i = 0; i < v.length(); i++) {
      t += v.lane(i);
    }
    return t;
  }
}
