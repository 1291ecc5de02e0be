package dev.tapegrad.autograd.kernel;

import static dev.tapegrad.autograd.kernel.Transcendentals.ATANH;
import static dev.tapegrad.autograd.kernel.Transcendentals.ATANH_LONG;
import static dev.tapegrad.autograd.kernel.Transcendentals.COS;
import static dev.tapegrad.autograd.kernel.Transcendentals.EXP;
import static dev.tapegrad.autograd.kernel.Transcendentals.EXP_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.EXP_MIN;
import static dev.tapegrad.autograd.kernel.Transcendentals.INV_SQRT_2PI;
import static dev.tapegrad.autograd.kernel.Transcendentals.LN2;
import static dev.tapegrad.autograd.kernel.Transcendentals.LOG2E_D;
import static dev.tapegrad.autograd.kernel.Transcendentals.PIO2_1;
import static dev.tapegrad.autograd.kernel.Transcendentals.PIO2_2;
import static dev.tapegrad.autograd.kernel.Transcendentals.PIO2_3;
import static dev.tapegrad.autograd.kernel.Transcendentals.SHIFT;
import static dev.tapegrad.autograd.kernel.Transcendentals.SHIFT_BITS;
import static dev.tapegrad.autograd.kernel.Transcendentals.SHIFT_D;
import static dev.tapegrad.autograd.kernel.Transcendentals.SIGMOID_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.SIN;
import static dev.tapegrad.autograd.kernel.Transcendentals.SQRT2;
import static dev.tapegrad.autograd.kernel.Transcendentals.TANH;
import static dev.tapegrad.autograd.kernel.Transcendentals.TANH_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.TANH_SERIES;
import static dev.tapegrad.autograd.kernel.Transcendentals.TRIG_MAX;
import static dev.tapegrad.autograd.kernel.Transcendentals.TWO_OVER_PI;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Transcendentals} on the Vector API: the same operations in the same order, lane by lane,
 * so every lane holds exactly the bits the scalar function returns.
 *
 * <p>Why not {@code VectorOperators.EXP} and its kin: C2 compiles them to a vendor library whose
 * results differ by an ulp from the Java code the interpreter runs, so a result depended on how
 * warm the JIT was. Each function here works on {@code LANES} floats at a time: loaded as floats,
 * widened to doubles for the polynomial, and rounded back once. Integer work (powers of two,
 * exponents, quadrants) is on int lanes of the same count. Lanes that are NaN are restored at the
 * end; sin and cos hand a whole vector to the scalar function if any lane is beyond the range
 * their reduction covers.
 *
 * <p>Each method processes the largest multiple of {@link #LANES} elements of {@code n} and
 * returns that count; the caller finishes the rest with the scalar functions.
 *
 * <p>Performance note: these loops mix three vector shapes (floats, doubles of twice the width,
 * ints), and on JDK 17 C2 does not intrinsify every operation of them
 * ({@code -XX:+PrintIntrinsics} reports missing constants for some conversions, blends and
 * shifts, a sign of the inlining budget running out). Measured on a busy 2-core machine they run
 * at about the speed of the scalar functions, slower than the Vector API's own (non-reproducible)
 * transcendentals were. Making them faster without changing a bit is a matter for the
 * {@code benchmarks} module: the scalar functions define the results.
 */
final class PanamaTranscendentals {
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
  /** Doubles per vector; floats and ints are handled in vectors of this many lanes too. */
  static final int LANES = DOUBLES.length();

  private static final VectorSpecies<Float> FLOATS =
      VectorSpecies.of(float.class, VectorShape.forBitSize(LANES * Float.SIZE));
  private static final VectorSpecies<Integer> INTS =
      VectorSpecies.of(int.class, VectorShape.forBitSize(LANES * Integer.SIZE));

  private PanamaTranscendentals() {}

  private static FloatVector load(float[] x, int at) {
    return FloatVector.fromArray(FLOATS, x, at);
  }

  private static DoubleVector widen(FloatVector v) {
    return (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, 0);
  }

  private static DoubleVector widen(IntVector v) {
    return (DoubleVector) v.convertShape(VectorOperators.I2D, DOUBLES, 0);
  }

  private static FloatVector narrow(DoubleVector v) {
    return (FloatVector) v.convertShape(VectorOperators.D2F, FLOATS, 0);
  }

  private static IntVector bits(FloatVector v) {
    return (IntVector) v.viewAsIntegralLanes();
  }

  private static FloatVector floats(IntVector v) {
    return (FloatVector) v.viewAsFloatingLanes();
  }

  private static DoubleVector horner(double[] c, DoubleVector z) {
    DoubleVector p = DoubleVector.broadcast(DOUBLES, c[0]);
    for (int i = 1; i < c.length; i++) {
      p = p.mul(z).add(c[i]);
    }
    return p;
  }

  /**
   * {@link Transcendentals#expCore}, lanewise, on double lanes and their long bits only (no
   * change of shape, so C2 intrinsifies every step). Horner's scheme is written out: a loop over
   * the coefficients would carry a vector through a loop phi, which C2 may box.
   */
  private static DoubleVector expCore(DoubleVector d) {
    DoubleVector t = d.mul(LOG2E_D).add(SHIFT_D);
    DoubleVector r = d.sub(t.sub(SHIFT_D).mul(LN2));
    DoubleVector p = DoubleVector.broadcast(DOUBLES, EXP[0]);
    p = p.mul(r).add(EXP[1]);
    p = p.mul(r).add(EXP[2]);
    p = p.mul(r).add(EXP[3]);
    p = p.mul(r).add(EXP[4]);
    p = p.mul(r).add(EXP[5]);
    p = p.mul(r).add(EXP[6]);
    p = p.mul(r).add(EXP[7]);
    p = p.mul(r).add(EXP[8]);
    p = p.mul(r).add(EXP[9]);
    p = p.mul(r).add(EXP[10]);
    p = p.mul(r).add(EXP[11]);
    LongVector scale =
        ((LongVector) t.viewAsIntegralLanes()).add(1023L).lanewise(VectorOperators.LSHL, 52L);
    return p.mul((DoubleVector) scale.viewAsFloatingLanes());
  }

  /** {@code Transcendentals.horner(TANH, z)}, written out. */
  private static DoubleVector hornerTanh(DoubleVector z) {
    DoubleVector p = DoubleVector.broadcast(DOUBLES, TANH[0]);
    p = p.mul(z).add(TANH[1]);
    p = p.mul(z).add(TANH[2]);
    p = p.mul(z).add(TANH[3]);
    p = p.mul(z).add(TANH[4]);
    return p;
  }

  /** {@code Transcendentals.horner(ATANH_LONG, z)}, written out. */
  private static DoubleVector hornerAtanhLong(DoubleVector z) {
    DoubleVector p = DoubleVector.broadcast(DOUBLES, ATANH_LONG[0]);
    p = p.mul(z).add(ATANH_LONG[1]);
    p = p.mul(z).add(ATANH_LONG[2]);
    p = p.mul(z).add(ATANH_LONG[3]);
    p = p.mul(z).add(ATANH_LONG[4]);
    p = p.mul(z).add(ATANH_LONG[5]);
    p = p.mul(z).add(ATANH_LONG[6]);
    p = p.mul(z).add(ATANH_LONG[7]);
    p = p.mul(z).add(ATANH_LONG[8]);
    p = p.mul(z).add(ATANH_LONG[9]);
    p = p.mul(z).add(ATANH_LONG[10]);
    p = p.mul(z).add(ATANH_LONG[11]);
    p = p.mul(z).add(ATANH_LONG[12]);
    p = p.mul(z).add(ATANH_LONG[13]);
    return p;
  }

  /** The NaN lanes of {@code x} where {@code x} is NaN, else {@code result}. */
  private static FloatVector keepNaN(FloatVector result, FloatVector x) {
    return result.blend(x, x.test(VectorOperators.IS_NAN));
  }

  static int exp(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      DoubleVector c = widen(v).max(EXP_MIN).min(EXP_MAX); // NaN stays NaN, restored below
      keepNaN(narrow(expCore(c)), v).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int log(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      VectorMask<Float> subnormal = v.compare(VectorOperators.LT, Float.MIN_NORMAL);
      FloatVector scaled = v.blend(v.mul(0x1p24f), subnormal);
      IntVector adjust = IntVector.zero(INTS).blend(-24, subnormal.cast(INTS));
      IntVector b = bits(scaled);
      IntVector e = b.lanewise(VectorOperators.ASHR, 23).sub(127).add(adjust);
      FloatVector m = floats(b.and(0x7fffff).or(0x3f800000));
      VectorMask<Float> high = m.compare(VectorOperators.GT, SQRT2);
      m = m.blend(m.mul(0.5f), high);
      e = e.blend(e.add(1), high.cast(INTS));
      DoubleVector f = widen(m).sub(1);
      DoubleVector s = f.div(f.add(2));
      DoubleVector z = s.mul(s);
      DoubleVector series = s.add(s.mul(z.mul(horner(ATANH, z)))).mul(2);
      FloatVector r = narrow(widen(e).mul(LN2).add(series));
      // the special cases, as in the scalar: x <= 0, NaN, +inf
      r = r.blend(Float.NaN, v.compare(VectorOperators.GT, 0f).not());
      r = r.blend(Float.NEGATIVE_INFINITY, v.compare(VectorOperators.EQ, 0f));
      r = r.blend(v, v.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
      keepNaN(r, v).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int tanh(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      DoubleVector xd = widen(v);
      DoubleVector a = xd.abs();
      DoubleVector z = xd.mul(xd);
      DoubleVector series = xd.add(xd.mul(z.mul(hornerTanh(z))));
      DoubleVector e = expCore(a.min(TANH_MAX).mul(2));
      DoubleVector r = e.sub(1).div(e.add(1));
      r = r.blend(r.neg(), xd.compare(VectorOperators.LT, 0));
      r = r.blend(series, a.compare(VectorOperators.LT, TANH_SERIES));
      r = r.blend(xd, xd.compare(VectorOperators.EQ, 0)); // signed zeros are their own tanh
      keepNaN(narrow(r), v).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int sigmoid(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      DoubleVector xd = widen(v);
      DoubleVector t = expCore(xd.abs().min(SIGMOID_MAX).neg());
      DoubleVector numerator = t.blend(1, xd.compare(VectorOperators.GE, 0));
      keepNaN(narrow(numerator.div(t.add(1))), v).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int softplus(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      DoubleVector xd = widen(v);
      DoubleVector t = expCore(xd.abs().min(SIGMOID_MAX).neg());
      DoubleVector s = t.div(t.add(2));
      DoubleVector z = s.mul(s);
      DoubleVector log1p = s.add(s.mul(z.mul(hornerAtanhLong(z)))).mul(2);
      keepNaN(narrow(xd.max(0).add(log1p)), v).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int normalPdf(float[] x, int xOff, float[] out, int outOff, int n) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      DoubleVector xd = widen(v);
      DoubleVector d = xd.mul(xd).mul(-0.5).max(EXP_MIN);
      keepNaN(narrow(expCore(d).mul(INV_SQRT_2PI)), v).intoArray(out, outOff + i);
    }
    return bound;
  }

  static int sin(float[] x, int xOff, float[] out, int outOff, int n) {
    return trig(x, xOff, out, outOff, n, 0);
  }

  static int cos(float[] x, int xOff, float[] out, int outOff, int n) {
    return trig(x, xOff, out, outOff, n, 1);
  }

  private static int trig(float[] x, int xOff, float[] out, int outOff, int n, int quarter) {
    int bound = FLOATS.loopBound(n);
    for (int i = 0; i < bound; i += LANES) {
      FloatVector v = load(x, xOff + i);
      if (!v.abs().compare(VectorOperators.LE, TRIG_MAX).allTrue()) {
        // NaN, infinity or a huge argument: the scalar function, which takes StrictMath there
        for (int j = 0; j < LANES; j++) {
          float xj = x[xOff + i + j];
          out[outOff + i + j] = quarter == 0 ? Transcendentals.sin(xj) : Transcendentals.cos(xj);
        }
        continue;
      }
      FloatVector t = v.mul(TWO_OVER_PI).add(SHIFT);
      IntVector q = bits(t).sub(SHIFT_BITS).add(quarter);
      DoubleVector k = widen(t.sub(SHIFT));
      DoubleVector r = widen(v).sub(k.mul(PIO2_1)).sub(k.mul(PIO2_2)).sub(k.mul(PIO2_3));
      DoubleVector z = r.mul(r);
      DoubleVector sinR = r.add(r.mul(z.mul(horner(SIN, z))));
      DoubleVector cosR = z.mul(horner(COS, z)).add(1);
      VectorMask<Double> odd = q.and(1).compare(VectorOperators.NE, 0).cast(DOUBLES);
      VectorMask<Double> negate = q.and(2).compare(VectorOperators.NE, 0).cast(DOUBLES);
      DoubleVector value = sinR.blend(cosR, odd);
      FloatVector result = narrow(value.blend(value.neg(), negate));
      if (quarter == 0) {
        result = result.blend(v, v.compare(VectorOperators.EQ, 0f)); // sin(-0) = -0
      }
      result.intoArray(out, outOff + i);
    }
    return bound;
  }
}
