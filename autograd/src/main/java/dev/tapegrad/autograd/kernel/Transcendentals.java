package dev.tapegrad.autograd.kernel;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * tapegrad's own exp, log, tanh, sigmoid, softplus, sin, cos, the normal density and erf: the
 * scalar definitions every kernel provider computes, bit for bit.
 *
 * <p>{@link Math}'s transcendental functions and the Vector API's lanewise ones are allowed to
 * differ by an ulp between the interpreter, C1, C2, a vector loop and its scalar tail, and between
 * JDKs and machines. These functions use only {@code +, -, *, /}, exact conversions, comparisons
 * and bit manipulation of IEEE values, never a fused multiply-add, so Java's strict floating point
 * fixes every bit. {@code PanamaTranscendentals} performs the same operations, in the same order,
 * lane by lane; a vector loop, its scalar tail and the portable kernels therefore agree exactly,
 * whatever the JIT has compiled.
 *
 * <p>Method: each float function is evaluated in double (a polynomial after range reduction) to a
 * relative error below 1e-13, then rounded once to float. The result is therefore the correctly
 * rounded float except when the exact value lies within 1e-13 relative of a halfway point between
 * two floats. The documented bound is 1 ulp; {@code TranscendentalsTest} measures at most 0.5000
 * ulp (to four digits, so correctly rounded on every input tried) against {@link StrictMath} in
 * double, over a sweep of every 613th float bit pattern (tens of millions of inputs with a stride
 * of 61 gave the same) and the edge values:
 *
 * <ul>
 *   <li>{@code exp}: {@code x = k ln2 + r}, {@code |r| <= ln2 / 2}, Taylor series to degree 11,
 *       scaled by {@code 2^k} exactly in double (so subnormal float results are rounded once).
 *       Overflows to infinity above 88.72, underflows to 0 below -103.97, as float does.
 *   <li>{@code log}: {@code x = 2^e m}, {@code m} in {@code [sqrt(1/2), sqrt 2]}, {@code log m = 2
 *       atanh(s)} with {@code s = (m - 1) / (m + 1)}, series to {@code s^17}. Subnormals are scaled
 *       first; {@code log(0) = -inf}, negative or NaN gives NaN.
 *   <li>{@code tanh}: an odd Taylor series below {@code |x| = 1/16}, else {@code (e - 1) / (e + 1)}
 *       with {@code e = exp(2|x|)}; exactly ±1 beyond {@code |x| = 10}.
 *   <li>{@code sigmoid}: {@code 1 / (1 + t)} or {@code t / (1 + t)} with {@code t = exp(-|x|)}.
 *   <li>{@code softplus}: {@code max(x, 0) + log1p(exp(-|x|))}, {@code log1p} as an atanh series.
 *   <li>{@code sin}, {@code cos}: {@code x = k pi/2 + r}, {@code k} rounded in double, with {@code
 *       pi/2} split in three parts so the reduction is exact enough for {@code |x| <= 2^19}; Taylor
 *       series on {@code |r| <= 0.82}. Larger or non-finite arguments take {@link StrictMath},
 *       which reduces exactly.
 *   <li>{@code normalPdf}: {@code exp(-x^2 / 2) / sqrt(2 pi)} with the exponent exact in double.
 *   <li>{@code erf} (double): a Maclaurin series below 2.5, a continued fraction for erfc above, to
 *       about 1e-9 absolute; its exponential is {@link #expDouble}.
 * </ul>
 *
 * <p>The functions here are the reference; the Vector API versions must not be edited without
 * these, and {@code PanamaTranscendentalsTest} checks that the two agree bit for bit.
 */
public final class Transcendentals {
  private Transcendentals() {}

  static final double LN2 = 0x1.62e42fefa39efp-1;
  static final double TWO_OVER_PI_D = 2 / Math.PI;

  /** exp's clamps: e^-104 rounds to 0 and e^89 to infinity in float, and both scale exactly. */
  static final float EXP_MIN = -104f;

  static final float EXP_MAX = 89f;

  /** Beyond this, tanh and sigmoid round to their limits; 10 and 104 keep 2^k representable. */
  static final float TANH_MAX = 10f;

  static final float TANH_SERIES = 0.0625f;
  static final float SIGMOID_MAX = 104f;

  /** sin and cos reduce exactly enough below this; above it they take StrictMath. */
  static final float TRIG_MAX = 0x1p19f;

  static final float SQRT2 = 1.41421356f;
  static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
  static final double INV_SQRT2 = 1 / Math.sqrt(2);

  /** Taylor coefficients of e^r, highest degree first: 1/11!, ..., 1/1!, 1. */
  static final double[] EXP = reciprocalFactorials(11, 1);

  /** sin r = r + r z S(z), z = r^2: S's coefficients -1/3!, 1/5!, ... -1/15!, highest first. */
  static final double[] SIN = alternating(reciprocalFactorials(15, 2), 15);

  /** cos r = 1 + z C(z): C's coefficients -1/2!, 1/4!, ... 1/16!, highest first. */
  static final double[] COS = alternating(reciprocalFactorials(16, 2), 16);

  /** atanh s = s (1 + z A(z)): A's coefficients 1/3, 1/5, ..., 1/17, highest first. */
  static final double[] ATANH = oddReciprocals(17);

  /** The same series to 1/29, for log1p of arguments up to 1 ({@code s <= 1/3}). */
  static final double[] ATANH_LONG = oddReciprocals(29);

  /** tanh x = x + x z T(z): T's coefficients -1/3, 2/15, -17/315, 62/2835, -1382/155925. */
  static final double[] TANH = {-1382.0 / 155925, 62.0 / 2835, -17.0 / 315, 2.0 / 15, -1.0 / 3};

  /** pi/2 = PIO2_1 + PIO2_2 + PIO2_3; the first two have 33 bits, so k * PIO2_i is exact. */
  static final double PIO2_1;

  static final double PIO2_2;
  static final double PIO2_3;

  static {
    BigDecimal halfPi =
        new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459")
            .divide(BigDecimal.valueOf(2), MathContext.DECIMAL128);
    PIO2_1 = truncate33(halfPi.doubleValue());
    BigDecimal rest = halfPi.subtract(new BigDecimal(PIO2_1));
    PIO2_2 = truncate33(rest.doubleValue());
    PIO2_3 = rest.subtract(new BigDecimal(PIO2_2)).doubleValue();
  }

  private static double truncate33(double v) {
    return Double.longBitsToDouble(Double.doubleToRawLongBits(v) & ~((1L << 20) - 1));
  }

  /** 1/n!, 1/(n-step)!, ... down to 1/0! or 1/1!, highest degree first. */
  private static double[] reciprocalFactorials(int n, int step) {
    double[] c = new double[n / step + 1];
    for (int i = 0, d = n; i < c.length; i++, d -= step) {
      double f = 1;
      for (int j = 2; j <= d; j++) {
        f *= j;
      }
      c[i] = 1 / f;
    }
    return c;
  }

  /**
   * The Taylor coefficients of degrees {@code highest, highest - 2, ...} down to 2 or 3 (the
   * constant or linear term dropped), signed (-1)^(degree / 2) as in sin and cos.
   */
  private static double[] alternating(double[] reciprocal, int highest) {
    double[] c = new double[reciprocal.length - 1];
    for (int i = 0, degree = highest; i < c.length; i++, degree -= 2) {
      c[i] = (degree / 2) % 2 == 0 ? reciprocal[i] : -reciprocal[i];
    }
    return c;
  }

  private static double[] oddReciprocals(int highest) {
    double[] c = new double[(highest - 1) / 2];
    for (int i = 0, d = highest; i < c.length; i++, d -= 2) {
      c[i] = 1.0 / d;
    }
    return c;
  }

  static double horner(double[] c, double z) {
    double p = c[0];
    for (int i = 1; i < c.length; i++) {
      p = p * z + c[i];
    }
    return p;
  }

  /** Adding 1.5 * 2^52 to a double of magnitude below 2^51 rounds it to an integer, to nearest. */
  static final double SHIFT_D = 0x1.8p52;

  static final double LOG2E_D = 0x1.71547652b82fep0;

  /**
   * e^d for {@code d} in [-104, 89], not NaN. Relative error below 3e-14 (most of it from k ln2 for
   * large |k|). Everything is in double, including the choice of {@code k = round(d log2 e)} (the
   * low bits of {@code d log2 e + 1.5 2^52}) and the power of two, whose bits are built from {@code
   * k + 1023}: so the Vector API version needs no float or int lanes, only double lanes and their
   * bits, which C2 compiles without shape conversions.
   */
  static double expCore(double d) {
    double t = d * LOG2E_D + SHIFT_D;
    double r = d - (t - SHIFT_D) * LN2;
    double p = horner(EXP, r);
    // t's bits are 1.5 2^52's plus k, |k| <= 150: the low 12 bits of bits + 1023 are k + 1023
    double scale = Double.longBitsToDouble((Double.doubleToRawLongBits(t) + 1023) << 52);
    return p * scale;
  }

  /** e^x, within 1 ulp. */
  public static float exp(float x) {
    if (x != x) {
      return x;
    }
    float c = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
    return (float) expCore(c);
  }

  /**
   * e^d in double for d in [-104, 89] (clamped outside), to a relative error below 3e-14 (not to
   * double precision): for functions such as erf whose float results need a deterministic
   * exponential of a double.
   */
  public static double expDouble(double d) {
    if (d != d) {
      return d;
    }
    double c = Math.min(Math.max(d, EXP_MIN), EXP_MAX);
    return expCore(c);
  }

  /**
   * Natural logarithm, within 1 ulp. (The Vector API version reads {@code m} and {@code e} from the
   * bits of {@code x} widened to double, where subnormal floats are normal: the same values as
   * here, so the same result.)
   */
  public static float log(float x) {
    if (!(x > 0) || x == Float.POSITIVE_INFINITY) {
      return x == 0 ? Float.NEGATIVE_INFINITY : x < 0 ? Float.NaN : x;
    }
    int adjust = 0;
    if (x < Float.MIN_NORMAL) {
      x *= 0x1p24f;
      adjust = -24;
    }
    int bits = Float.floatToRawIntBits(x);
    int e = (bits >> 23) - 127 + adjust;
    float m = Float.intBitsToFloat((bits & 0x7fffff) | 0x3f800000);
    if (m > SQRT2) {
      m *= 0.5f;
      e += 1;
    }
    double f = (double) m - 1;
    double s = f / (f + 2);
    double z = s * s;
    return (float) (e * LN2 + (s + s * (z * horner(ATANH, z))) * 2);
  }

  /** atanh series to 1/21, for {@link #logDouble} ({@code s <= 0.172}, error below 1e-16). */
  static final double[] ATANH_DOUBLE = oddReciprocals(21);

  /**
   * The natural logarithm of a double, to a few ulp of double (not correctly rounded):
   * deterministic, for sums such as softmax's normaliser whose logarithm feeds a float result.
   */
  public static double logDouble(double x) {
    if (!(x > 0) || x == Double.POSITIVE_INFINITY) {
      return x == 0 ? Double.NEGATIVE_INFINITY : x < 0 ? Double.NaN : x;
    }
    int adjust = 0;
    if (x < Double.MIN_NORMAL) {
      x *= 0x1p54;
      adjust = -54;
    }
    int e = Math.getExponent(x);
    double m = Math.scalb(x, -e);
    e += adjust;
    if (m > SQRT2) {
      m *= 0.5;
      e += 1;
    }
    double f = m - 1;
    double s = f / (f + 2);
    double z = s * s;
    return e * LN2 + (s + s * (z * horner(ATANH_DOUBLE, z))) * 2;
  }

  /** Hyperbolic tangent, within 1 ulp. */
  public static float tanh(float x) {
    if (x != x || x == 0) {
      return x; // the series would turn -0 into +0
    }
    float a = Math.abs(x);
    if (a < TANH_SERIES) {
      double xd = x;
      double z = xd * xd;
      return (float) (xd + xd * (z * horner(TANH, z)));
    }
    float twice = Math.min(a, TANH_MAX) * 2;
    double e = expCore(twice);
    double r = (e - 1) / (e + 1);
    return (float) (x < 0 ? -r : r);
  }

  /** The logistic function {@code 1 / (1 + e^-x)}, within 1 ulp. */
  public static float sigmoid(float x) {
    if (x != x) {
      return x;
    }
    float a = -Math.min(Math.abs(x), SIGMOID_MAX);
    double t = expCore(a);
    return (float) ((x >= 0 ? 1 : t) / (1 + t));
  }

  /** {@code log(1 + e^x)}, computed as {@code max(x, 0) + log1p(e^-|x|)}; within 1 ulp. */
  public static float softplus(float x) {
    if (x != x) {
      return x;
    }
    float a = -Math.min(Math.abs(x), SIGMOID_MAX);
    double t = expCore(a);
    double s = t / (t + 2);
    double z = s * s;
    double log1p = (s + s * (z * horner(ATANH_LONG, z))) * 2;
    return (float) (Math.max(x, 0f) + log1p);
  }

  /** {@code exp(-x^2 / 2) / sqrt(2 pi)}, the standard normal density, within 1 ulp. */
  public static float normalPdf(float x) {
    if (x != x) {
      return x;
    }
    double xd = x;
    double d = Math.max(xd * xd * -0.5, EXP_MIN);
    return (float) (expCore(d) * INV_SQRT_2PI);
  }

  /** Sine, within 1 ulp. */
  public static float sin(float x) {
    return trig(x, 0);
  }

  /** Cosine, within 1 ulp. */
  public static float cos(float x) {
    return trig(x, 1);
  }

  /** sin(x + quarter pi/2): quadrant k + quarter selects sin r, cos r, -sin r or -cos r. */
  private static float trig(float x, int quarter) {
    if (!(Math.abs(x) <= TRIG_MAX)) {
      return (float) (quarter == 0 ? StrictMath.sin(x) : StrictMath.cos(x));
    }
    if (x == 0 && quarter == 0) {
      return x; // sin(-0) = -0, which the series would turn into +0
    }
    // k = round(x 2/pi) in double, from the low bits of x 2/pi + 1.5 2^52 (as in expCore)
    double t = x * TWO_OVER_PI_D + SHIFT_D;
    int q = (int) Double.doubleToRawLongBits(t) + quarter;
    double k = t - SHIFT_D;
    double r = (((double) x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
    double z = r * r;
    double v = (q & 1) == 0 ? r + r * (z * horner(SIN, z)) : 1 + z * horner(COS, z);
    return (float) ((q & 2) == 0 ? v : -v);
  }

  /**
   * The error function, to about 1e-9 absolute: a Maclaurin series below |x| = 2.5, a continued
   * fraction for erfc up to 6, and ±1 beyond. Enough for float results; deterministic, since its
   * only transcendental is {@link #expDouble}.
   */
  public static double erf(double x) {
    double ax = Math.abs(x);
    if (Double.isNaN(x)) {
      return x;
    }
    if (ax < 2.5) {
      double term = x;
      double sum = x;
      double x2 = x * x;
      for (int n = 1; n < 60; n++) {
        term *= -x2 / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      return sum * 2 / Math.sqrt(Math.PI);
    }
    if (ax > 6) {
      return Math.signum(x);
    }
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
    double f = ax;
    for (int n = 60; n >= 1; n--) {
      f = ax + (n / 2.0) / f;
    }
    double erfc = expDouble(-ax * ax) / Math.sqrt(Math.PI) / f;
    return Math.signum(x) * (1 - erfc);
  }
}
