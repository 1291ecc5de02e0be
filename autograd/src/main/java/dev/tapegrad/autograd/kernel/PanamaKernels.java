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
 *   <li>exp, log, tanh, sigmoid, sin, cos and softplus use the Vector API's transcendental
 *       functions, which are within a few ulp of {@link Math}'s;
 *   <li>sums and dot products still accumulate in double (four lanes at a time), so only the
 *       order of the additions differs;
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
   * Creates the kernels, or throws {@link UnsupportedOperationException} when vectors are too
   * short to pay off (the Vector API then emulates them, slowly).
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
  public void unary(UnaryOp op, float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    FloatVector zero = FloatVector.zero(FLOATS);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    int i = 0;
    switch (op) {
      case NEG:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).neg().intoArray(out, outOff + i);
        }
        break;
      case EXP:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).lanewise(VectorOperators.EXP).intoArray(out, outOff + i);
        }
        break;
      case LOG:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).lanewise(VectorOperators.LOG).intoArray(out, outOff + i);
        }
        break;
      case SQRT:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).sqrt().intoArray(out, outOff + i);
        }
        break;
      case ABS:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).abs().intoArray(out, outOff + i);
        }
        break;
      case SIGN:
        // x itself where it is +-0 or NaN, as Math.signum
        for (; i < bound; i += LANES) {
          FloatVector v = load(x, xOff + i);
          v.blend(one, v.compare(VectorOperators.GT, 0f))
              .blend(one.neg(), v.compare(VectorOperators.LT, 0f))
              .intoArray(out, outOff + i);
        }
        break;
      case TANH:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).lanewise(VectorOperators.TANH).intoArray(out, outOff + i);
        }
        break;
      case SIGMOID:
        // 1 / (1 + e^-x): e^-x overflows to infinity for very negative x, giving 0 as it should
        for (; i < bound; i += LANES) {
          FloatVector e = load(x, xOff + i).neg().lanewise(VectorOperators.EXP);
          one.div(e.add(one)).intoArray(out, outOff + i);
        }
        break;
      case RELU:
        // Math.max semantics: NaN stays NaN, -0 becomes +0, as in the reference
        for (; i < bound; i += LANES) {
          load(x, xOff + i).max(zero).intoArray(out, outOff + i);
        }
        break;
      case SIN:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).lanewise(VectorOperators.SIN).intoArray(out, outOff + i);
        }
        break;
      case COS:
        for (; i < bound; i += LANES) {
          load(x, xOff + i).lanewise(VectorOperators.COS).intoArray(out, outOff + i);
        }
        break;
      case POSITIVE:
        for (; i < bound; i += LANES) {
          zero.blend(one, load(x, xOff + i).compare(VectorOperators.GT, 0f))
              .intoArray(out, outOff + i);
        }
        break;
      case NORMAL_PDF:
        {
          float scale = (float) (1 / Math.sqrt(2 * Math.PI));
          for (; i < bound; i += LANES) {
            FloatVector v = load(x, xOff + i);
            v.mul(v).mul(-0.5f).lanewise(VectorOperators.EXP).mul(scale).intoArray(out, outOff + i);
          }
        }
        break;
      case SOFTPLUS:
        // max(x, 0) + log1p(e^-|x|) never overflows
        for (; i < bound; i += LANES) {
          FloatVector v = load(x, xOff + i);
          FloatVector tail = v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P);
          v.max(zero).add(tail).intoArray(out, outOff + i);
        }
        break;
      default:
        // ERF, NORMAL_CDF, GELU: the Vector API has no erf
        break;
    }
    if (i < n) {
      REFERENCE.unary(op, x, xOff + i, out, outOff + i, n - i);
    }
  }

  private static FloatVector load(float[] x, int at) {
    return FloatVector.fromArray(FLOATS, x, at);
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
      return;
    }
    if ((aStride | bStride) > 1 || aStride + bStride == 0 || op == BinaryOp.POW) {
      REFERENCE.binary(op, a, aOff, aStride, b, bOff, bStride, out, outOff, n);
      return;
    }
    // a stride of 0 is one value broadcast; the tests on the strides are loop-invariant
    boolean aVaries = aStride == 1;
    boolean bVaries = bStride == 1;
    FloatVector aFixed = FloatVector.broadcast(FLOATS, a[aOff]);
    FloatVector bFixed = FloatVector.broadcast(FLOATS, b[bOff]);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    FloatVector zero = FloatVector.zero(FLOATS);
    int bound = FLOATS.loopBound(n);
    int i = 0;
    switch (op) {
      case ADD:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          x.add(y).intoArray(out, outOff + i);
        }
        break;
      case SUB:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          x.sub(y).intoArray(out, outOff + i);
        }
        break;
      case MUL:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          x.mul(y).intoArray(out, outOff + i);
        }
        break;
      case DIV:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          x.div(y).intoArray(out, outOff + i);
        }
        break;
      case MAX:
        // lanewise Math.max: NaN wins, +0 beats -0, as in the reference
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          x.max(y).intoArray(out, outOff + i);
        }
        break;
      case MIN:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          x.min(y).intoArray(out, outOff + i);
        }
        break;
      case GT:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          zero.blend(one, x.compare(VectorOperators.GT, y)).intoArray(out, outOff + i);
        }
        break;
      case GE:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          zero.blend(one, x.compare(VectorOperators.GE, y)).intoArray(out, outOff + i);
        }
        break;
      case EQ:
        for (; i < bound; i += LANES) {
          FloatVector x = aVaries ? load(a, aOff + i) : aFixed;
          FloatVector y = bVaries ? load(b, bOff + i) : bFixed;
          zero.blend(one, x.compare(VectorOperators.EQ, y)).intoArray(out, outOff + i);
        }
        break;
      default:
        break;
    }
    if (i < n) {
      REFERENCE.binary(
          op, a, aOff + i * aStride, aStride, b, bOff + i * bStride, bStride, out, outOff + i,
          n - i);
    }
  }

  @Override
  public double sum(float[] x, int off, int n) {
    int bound = FLOATS.loopBound(n);
    DoubleVector s0 = DoubleVector.zero(DOUBLES);
    DoubleVector s1 = s0;
    int i = 0;
    for (; i < bound; i += LANES) {
      FloatVector v = load(x, off + i);
      s0 = s0.add((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0));
      s1 = s1.add((DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 1));
    }
    double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += x[off + i];
    }
    return s;
  }

  @Override
  public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int bound = FLOATS.loopBound(n);
    DoubleVector s0 = DoubleVector.zero(DOUBLES);
    DoubleVector s1 = s0;
    int i = 0;
    // a float product is exact in double, so this matches the reference's (double) a * b
    for (; i < bound; i += LANES) {
      FloatVector x = load(a, aOff + i);
      FloatVector y = load(b, bOff + i);
      s0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0))
          .fma((DoubleVector) y.convertShape(VectorOperators.F2D, DOUBLES, 0), s0);
      s1 = ((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 1))
          .fma((DoubleVector) y.convertShape(VectorOperators.F2D, DOUBLES, 1), s1);
    }
    double s = s0.add(s1).reduceLanes(VectorOperators.ADD);
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
    if (inner < LANES) {
      REFERENCE.sumAxis(x, outer, size, inner, out);
      return;
    }
    // one double accumulator per output column, updated row by row with unit stride
    int half = LANES / 2;
    double[] acc = new double[inner];
    int bound = FLOATS.loopBound(inner);
    for (int o = 0; o < outer; o++) {
      java.util.Arrays.fill(acc, 0);
      int base = o * size * inner;
      for (int j = 0; j < size; j++) {
        int row = base + j * inner;
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
        for (; i < inner; i++) {
          acc[i] += x[row + i];
        }
      }
      int dst = o * inner;
      for (int i = 0; i < inner; i++) {
        out[dst + i] = (float) acc[i];
      }
    }
  }

  @Override
  public void maxAxis(float[] x, int outer, int size, int inner, float[] out, int[] argmax) {
    REFERENCE.maxAxis(x, outer, size, inner, out, argmax);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    // multiply then add, two roundings, exactly as the reference
    int bound = FLOATS.loopBound(n);
    int i = 0;
    for (; i < bound; i += LANES) {
      load(x, xOff + i).mul(alpha).add(load(y, yOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }
}
