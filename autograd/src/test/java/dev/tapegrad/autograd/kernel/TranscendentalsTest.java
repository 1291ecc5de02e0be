package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The accuracy of tapegrad's own transcendental functions against {@link StrictMath}, computed in
 * double: over a dense sweep of float bit patterns covering every binade of the domain, and over
 * the edge values (signed zeros, subnormals, infinities, NaN, the overflow and underflow
 * thresholds, the switch points of each method). The documented bound is 1 ulp of the float result;
 * the measured maximum is printed.
 */
class TranscendentalsTest {
  /**
   * Every 613th float bit pattern from 0 to infinity, both signs: a few million inputs per
   * function, every binade sampled about 14,000 times. (A stride of 61 measures the same maxima.)
   */
  private static final int STRIDE = 613;

  interface FloatFn {
    float apply(float x);
  }

  private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

  @Test
  void expIsWithinOneUlp() {
    check("exp", Transcendentals::exp, StrictMath::exp, -110f, 95f);
  }

  @Test
  void logIsWithinOneUlp() {
    check("log", Transcendentals::log, StrictMath::log, 0f, Float.MAX_VALUE);
  }

  @Test
  void tanhIsWithinOneUlp() {
    check("tanh", Transcendentals::tanh, StrictMath::tanh, -20f, 20f);
  }

  @Test
  void sigmoidIsWithinOneUlp() {
    check("sigmoid", Transcendentals::sigmoid, x -> 1 / (1 + StrictMath.exp(-x)), -110f, 110f);
  }

  @Test
  void softplusIsWithinOneUlp() {
    check(
        "softplus",
        Transcendentals::softplus,
        x -> Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x))),
        -110f,
        1e30f);
  }

  @Test
  void normalPdfIsWithinOneUlp() {
    check(
        "normalPdf",
        Transcendentals::normalPdf,
        x -> StrictMath.exp(-0.5 * x * x) / SQRT_2PI,
        -15f,
        15f);
  }

  @Test
  void sinIsWithinOneUlp() {
    check("sin", Transcendentals::sin, StrictMath::sin, -1e6f, 1e6f);
  }

  @Test
  void cosIsWithinOneUlp() {
    check("cos", Transcendentals::cos, StrictMath::cos, -1e6f, 1e6f);
  }

  @Test
  void expDoubleIsWithinThreeTimesTenToTheMinusFourteen() {
    for (double d = -700; d <= 700; d += 0.0137) {
      double expected = StrictMath.exp(Math.max(-104, Math.min(89, d)));
      assertEquals(expected, Transcendentals.expDouble(d), 3e-14 * expected, "expDouble " + d);
    }
    assertTrue(Double.isNaN(Transcendentals.expDouble(Double.NaN)));
  }

  @Test
  void logDoubleIsWithinFourUlpOfDouble() {
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 200_000; i++) {
      double x = Math.scalb(1 + random.nextDouble(), random.nextInt(2100) - 1074);
      double expected = StrictMath.log(x);
      assertEquals(expected, Transcendentals.logDouble(x), 4 * Math.ulp(expected), "log " + x);
    }
    assertEquals(0.0, Transcendentals.logDouble(1));
    assertEquals(
        StrictMath.log(Double.MIN_VALUE),
        Transcendentals.logDouble(Double.MIN_VALUE),
        4 * Math.ulp(StrictMath.log(Double.MIN_VALUE)));
    assertEquals(Double.NEGATIVE_INFINITY, Transcendentals.logDouble(0));
    assertEquals(Double.POSITIVE_INFINITY, Transcendentals.logDouble(Double.POSITIVE_INFINITY));
    assertTrue(Double.isNaN(Transcendentals.logDouble(-1)));
    assertTrue(Double.isNaN(Transcendentals.logDouble(Double.NaN)));
  }

  @Test
  void erfMatchesKnownValues() {
    double[][] table = {
      {0, 0},
      {0.1, 0.1124629160182849},
      {0.5, 0.5204998778130465},
      {1, 0.8427007929497149},
      {2, 0.9953222650189527},
      {2.5, 0.9995930479825550},
      {3, 0.9999779095030014},
      {4, 0.9999999845827421},
      {7, 1}
    };
    for (double[] row : table) {
      assertEquals(row[1], Transcendentals.erf(row[0]), 1e-9, "erf(" + row[0] + ")");
      assertEquals(-row[1], Transcendentals.erf(-row[0]), 1e-9, "erf(-" + row[0] + ")");
    }
    assertTrue(Double.isNaN(Transcendentals.erf(Double.NaN)));
  }

  @Test
  void specialValuesAreThoseOfIeeeArithmetic() {
    assertEquals(1f, Transcendentals.exp(0f));
    assertEquals(1f, Transcendentals.exp(-0f));
    assertEquals(Float.POSITIVE_INFINITY, Transcendentals.exp(Float.POSITIVE_INFINITY));
    assertEquals(0f, Transcendentals.exp(Float.NEGATIVE_INFINITY));
    assertEquals(Float.POSITIVE_INFINITY, Transcendentals.exp(88.72284f));
    assertTrue(Float.isFinite(Transcendentals.exp(Math.nextDown(88.72284f))));
    assertEquals(Float.MIN_VALUE, Transcendentals.exp(-103.27893f));
    assertEquals(0f, Transcendentals.exp(-103.98f));
    assertEquals(Float.NEGATIVE_INFINITY, Transcendentals.log(0f));
    assertEquals(Float.NEGATIVE_INFINITY, Transcendentals.log(-0f));
    assertEquals(Float.POSITIVE_INFINITY, Transcendentals.log(Float.POSITIVE_INFINITY));
    assertEquals(0f, Transcendentals.log(1f));
    assertEquals((float) StrictMath.log(Float.MIN_VALUE), Transcendentals.log(Float.MIN_VALUE));
    assertTrue(Float.isNaN(Transcendentals.log(-1f)));
    assertTrue(Float.isNaN(Transcendentals.log(Float.NEGATIVE_INFINITY)));
    assertEquals(1f, Transcendentals.tanh(Float.POSITIVE_INFINITY));
    assertEquals(-1f, Transcendentals.tanh(Float.NEGATIVE_INFINITY));
    assertEquals(1f, Transcendentals.sigmoid(Float.POSITIVE_INFINITY));
    assertEquals(0f, Transcendentals.sigmoid(Float.NEGATIVE_INFINITY));
    assertEquals(0.5f, Transcendentals.sigmoid(0f));
    assertEquals(Float.POSITIVE_INFINITY, Transcendentals.softplus(Float.POSITIVE_INFINITY));
    assertEquals(0f, Transcendentals.softplus(Float.NEGATIVE_INFINITY));
    assertEquals(0f, Transcendentals.normalPdf(Float.POSITIVE_INFINITY));
    assertTrue(Float.isNaN(Transcendentals.sin(Float.POSITIVE_INFINITY)));
    assertTrue(Float.isNaN(Transcendentals.cos(Float.NEGATIVE_INFINITY)));
    // odd functions keep the sign of zero
    for (FloatFn odd : List.<FloatFn>of(Transcendentals::tanh, Transcendentals::sin)) {
      assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(odd.apply(-0f)));
      assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(odd.apply(0f)));
    }
    for (FloatFn f : all()) {
      assertTrue(Float.isNaN(f.apply(Float.NaN)));
    }
  }

  static List<FloatFn> all() {
    return List.of(
        Transcendentals::exp,
        Transcendentals::log,
        Transcendentals::tanh,
        Transcendentals::sigmoid,
        Transcendentals::softplus,
        Transcendentals::normalPdf,
        Transcendentals::sin,
        Transcendentals::cos);
  }

  /** Edge values every function is checked on, besides the sweep. */
  static float[] edges() {
    List<Float> v = new ArrayList<>();
    float[] base = {
      0f,
      Float.MIN_VALUE,
      2 * Float.MIN_VALUE,
      1e-40f,
      Float.MIN_NORMAL,
      Math.nextDown(Float.MIN_NORMAL),
      1e-30f,
      1e-8f,
      1e-4f,
      0.0625f,
      Math.nextDown(0.0625f),
      0.3466f,
      0.5f,
      1f,
      Math.nextDown(1f),
      Math.nextUp(1f),
      1.4142135f,
      1.4142137f,
      2f,
      9.01f,
      10f,
      20f,
      87.33655f,
      88.72283f,
      88.72284f,
      89f,
      103.27893f,
      103.97208f,
      104f,
      1e5f,
      0x1p19f,
      Math.nextUp(0x1p19f),
      1e30f,
      Float.MAX_VALUE,
      Float.POSITIVE_INFINITY,
      (float) Math.PI,
      (float) (Math.PI / 2),
      (float) (Math.PI / 4),
      355f,
      103993f
    };
    for (float b : base) {
      v.add(b);
      v.add(-b);
    }
    v.add(Float.NaN);
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }

  /** Checks f against the double reference on the sweep within [lo, hi] and on the edges. */
  private static void check(
      String name, FloatFn f, DoubleUnaryOperator reference, float lo, float hi) {
    double worst = 0;
    float worstAt = 0;
    long count = 0;
    for (long bits = 0; bits < 0x7f800000L; bits += STRIDE) {
      for (int sign = 0; sign < 2; sign++) {
        float x = Float.intBitsToFloat((int) bits | (sign << 31));
        if (x < lo || x > hi) {
          continue;
        }
        double e = ulpError(f.apply(x), reference.applyAsDouble(x));
        count++;
        if (e > worst) {
          worst = e;
          worstAt = x;
        }
      }
    }
    for (float x : edges()) {
      if (x != x || x < lo || x > hi) {
        continue;
      }
      double e = ulpError(f.apply(x), reference.applyAsDouble(x));
      if (e > worst) {
        worst = e;
        worstAt = x;
      }
    }
    System.out.printf("%s: max error %.4f ulp at %s over %d inputs%n", name, worst, worstAt, count);
    assertTrue(worst <= 1.0, name + ": " + worst + " ulp at " + worstAt);
  }

  /** |actual - expected| in ulps of the float nearest the expected value. */
  static double ulpError(float actual, double expected) {
    if (Double.isNaN(expected)) {
      return Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
    }
    float rounded = (float) expected;
    if (Float.isInfinite(rounded) || Float.isInfinite(actual)) {
      return actual == rounded ? 0 : Double.POSITIVE_INFINITY;
    }
    return Math.abs(actual - expected) / Math.ulp(rounded);
  }
}
