package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels against the portable reference on awkward sizes: lengths around the vector
 * width and its multiples, matrix shapes that cross every register tile, cache block and threading
 * boundary, all four transpose combinations, offsets into larger arrays, and the special values
 * NaN, infinities and signed zeros.
 *
 * <p>The build runs tests with {@code --add-modules jdk.incubator.vector}; without it this test
 * fails rather than skipping, since it would otherwise check nothing.
 */
class PanamaKernelsTest {
  private static final int[] LENGTHS = {0, 1, 3, 7, 8, 13, 31, 32, 33, 64, 207, 4098};

  /** Offsets into the arrays, so no kernel can get away with assuming 0. */
  private static final int OFFSET_IN = 5;

  private static final int OFFSET_OUT = 3;
  private static final float SENTINEL = -12345.5f;

  private final Kernels reference = new JavaKernels();
  private final Kernels panama = KernelProvider.create("panama");
  private final Random random = new Random(20240607);

  /**
   * (m, n, k): tile edges (6 rows, 2 vectors of 4, 8 or 16 columns), the depth block (256), the row
   * block (144), the column block (4096), the unpacked paths for skinny and shallow products, and
   * the split between threads by rows and by columns.
   */
  private static final int[][] GEMM_SHAPES = {
    {1, 1, 1},
    {1, 13, 7},
    {2, 3, 5},
    {5, 40, 50},
    {3, 4098, 2},
    {1, 207, 300},
    {6, 16, 256},
    {7, 17, 257},
    {12, 32, 512},
    {13, 33, 513},
    {11, 31, 255},
    {143, 15, 20},
    {145, 47, 9},
    {150, 1, 40},
    {30, 3, 300},
    {20, 7, 260},
    {7, 4097, 3},
    {200, 130, 70},
    {20, 600, 100},
    {289, 65, 40},
    {16, 16, 16},
    {13, 207, 1},
    {100, 50, 1},
    {30, 40, 5},
    {200, 130, 3}
  };

  @Test
  void gemmMatchesReferenceOnEveryShapeAndTranspose() {
    for (int[] shape : GEMM_SHAPES) {
      for (int t = 0; t < 4; t++) {
        checkGemm(shape[0], shape[1], shape[2], (t & 1) != 0, (t & 2) != 0);
      }
    }
  }

  private void checkGemm(int m, int n, int k, boolean transA, boolean transB) {
    String what = String.format("gemm m=%d n=%d k=%d transA=%b transB=%b", m, n, k, transA, transB);
    float[] a = values(OFFSET_IN + m * k + 2, 1f);
    float[] b = values(OFFSET_IN + 1 + k * n + 2, 1f);
    float[] expected = filled(OFFSET_OUT + m * n + 4, Float.NaN);
    float[] actual = filled(OFFSET_OUT + m * n + 4, Float.NaN);
    fillSentinels(expected, OFFSET_OUT, m * n);
    fillSentinels(actual, OFFSET_OUT, m * n);
    reference.gemm(m, n, k, a, OFFSET_IN, transA, b, OFFSET_IN + 1, transB, expected, OFFSET_OUT);
    panama.gemm(m, n, k, a, OFFSET_IN, transA, b, OFFSET_IN + 1, transB, actual, OFFSET_OUT);
    checkSentinels(what, actual, OFFSET_OUT, m * n);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double exact = 0;
        double magnitude = 0;
        for (int p = 0; p < k; p++) {
          float x = transA ? a[OFFSET_IN + p * m + i] : a[OFFSET_IN + i * k + p];
          float y = transB ? b[OFFSET_IN + 1 + j * k + p] : b[OFFSET_IN + 1 + p * n + j];
          exact += (double) x * y;
          magnitude += Math.abs((double) x * y);
        }
        double tolerance = 1e-5 * magnitude + 1e-7;
        int at = OFFSET_OUT + i * n + j;
        if (Math.abs(actual[at] - exact) > tolerance
            || Math.abs(expected[at] - exact) > tolerance) {
          fail(
              String.format(
                  "%s: c[%d, %d] = %s (panama), %s (java), exact %s",
                  what, i, j, actual[at], expected[at], exact));
        }
      }
    }
  }

  @Test
  void gemmWithEmptyDepthWritesZeros() {
    float[] c = filled(6, 7f);
    panama.gemm(2, 3, 0, new float[0], 0, false, new float[0], 0, true, c, 0);
    assertArrayBits("k = 0", new float[] {0, 0, 0, 0, 0, 0}, c, 0, 6);
  }

  @Test
  void gemmPropagatesNaNAndInfinityLikeReference() {
    for (int[] shape : new int[][] {{3, 20, 10}, {13, 40, 300}, {200, 130, 70}}) {
      int m = shape[0];
      int n = shape[1];
      int k = shape[2];
      float[] a = values(m * k, 1f);
      float[] b = values(k * n, 1f);
      a[k + 2] = Float.NaN; // row 1 of a
      b[3] = Float.POSITIVE_INFINITY; // row 0, column 3 of b
      float[] expected = new float[m * n];
      float[] actual = new float[m * n];
      reference.gemm(m, n, k, a, 0, false, b, 0, false, expected, 0);
      panama.gemm(m, n, k, a, 0, false, b, 0, false, actual, 0);
      for (int i = 0; i < m * n; i++) {
        boolean special = !Float.isFinite(expected[i]);
        assertEquals(special, !Float.isFinite(actual[i]), "finiteness of c[" + i + "]");
        if (special) {
          assertEquals(Float.isNaN(expected[i]), Float.isNaN(actual[i]), "NaN at c[" + i + "]");
          if (!Float.isNaN(expected[i])) {
            assertEquals(expected[i], actual[i], "infinity at c[" + i + "]");
          }
        }
      }
    }
  }

  @Test
  void exactUnaryOpsMatchBitForBit() {
    for (UnaryOp op :
        new UnaryOp[] {
          UnaryOp.NEG, UnaryOp.ABS, UnaryOp.RELU, UnaryOp.SIGN, UnaryOp.POSITIVE, UnaryOp.SQRT
        }) {
      for (int n : LENGTHS) {
        float[] x = withSpecials(values(OFFSET_IN + n, 10f), OFFSET_IN, n);
        float[] expected = filled(OFFSET_OUT + n + 2, SENTINEL);
        float[] actual = filled(OFFSET_OUT + n + 2, SENTINEL);
        reference.unary(op, x, OFFSET_IN, expected, OFFSET_OUT, n);
        panama.unary(op, x, OFFSET_IN, actual, OFFSET_OUT, n);
        assertArrayBits(op + " n=" + n, expected, actual, 0, expected.length);
      }
    }
  }

  @Test
  void transcendentalUnaryOpsMatchWithinFloatRounding() {
    for (UnaryOp op : UnaryOp.values()) {
      for (int n : LENGTHS) {
        float[] x = withSpecials(values(OFFSET_IN + n, 10f), OFFSET_IN, n);
        float[] expected = filled(OFFSET_OUT + n + 2, SENTINEL);
        float[] actual = filled(OFFSET_OUT + n + 2, SENTINEL);
        reference.unary(op, x, OFFSET_IN, expected, OFFSET_OUT, n);
        panama.unary(op, x, OFFSET_IN, actual, OFFSET_OUT, n);
        checkSentinels(op + " n=" + n, actual, OFFSET_OUT, n);
        for (int i = OFFSET_OUT; i < OFFSET_OUT + n; i++) {
          assertClose(
              op + " n=" + n + " x=" + x[i - OFFSET_OUT + OFFSET_IN],
              expected[i],
              actual[i],
              2e-6,
              2e-7);
        }
      }
    }
  }

  @Test
  void binaryOpsMatchBitForBitInEveryStrideCase() {
    int[][] strides = {{1, 1}, {1, 0}, {0, 1}, {0, 0}};
    for (BinaryOp op : BinaryOp.values()) {
      for (int[] stride : strides) {
        for (int n : LENGTHS) {
          float[] a = withSpecials(values(OFFSET_IN + n + 1, 3f), OFFSET_IN, n);
          float[] b = withSpecials(values(OFFSET_IN + n + 1, 3f), OFFSET_IN + 1, n);
          // equal values somewhere, so EQ and GE see both outcomes
          if (n > 4) {
            b[OFFSET_IN + 1 + 4] = a[OFFSET_IN + 4];
          }
          float[] expected = filled(OFFSET_OUT + n + 2, SENTINEL);
          float[] actual = filled(OFFSET_OUT + n + 2, SENTINEL);
          reference.binary(
              op, a, OFFSET_IN, stride[0], b, OFFSET_IN + 1, stride[1], expected, OFFSET_OUT, n);
          panama.binary(
              op, a, OFFSET_IN, stride[0], b, OFFSET_IN + 1, stride[1], actual, OFFSET_OUT, n);
          assertArrayBits(
              op + " strides " + stride[0] + "," + stride[1] + " n=" + n,
              expected,
              actual,
              0,
              expected.length);
        }
      }
    }
  }

  @Test
  void sumAndDotAccumulateInDouble() {
    for (int n : LENGTHS) {
      float[] x = values(OFFSET_IN + n, 1f);
      float[] y = values(OFFSET_IN + 2 + n, 1f);
      double magnitude = 0;
      double dotMagnitude = 0;
      for (int i = 0; i < n; i++) {
        magnitude += Math.abs(x[OFFSET_IN + i]);
        dotMagnitude += Math.abs((double) x[OFFSET_IN + i] * y[OFFSET_IN + 2 + i]);
      }
      assertEquals(
          reference.sum(x, OFFSET_IN, n),
          panama.sum(x, OFFSET_IN, n),
          1e-13 * magnitude,
          "sum n=" + n);
      assertEquals(
          reference.dot(x, OFFSET_IN, y, OFFSET_IN + 2, n),
          panama.dot(x, OFFSET_IN, y, OFFSET_IN + 2, n),
          1e-13 * dotMagnitude,
          "dot n=" + n);
    }
    // accumulation in float would lose the small terms entirely
    float[] x = filled(4098, 1e-8f);
    x[0] = 1f;
    double small = x[1];
    assertEquals(1 + 4097 * small, panama.sum(x, 0, x.length), 1e-15);
    float[] y = filled(4098, 1e-4f);
    y[0] = 1f;
    double term = (double) y[1] * y[1];
    assertEquals(1 + 4097 * term, panama.dot(y, 0, y, 0, y.length), 1e-15);
  }

  @Test
  void sumAndDotPropagateSpecialValues() {
    float[] x = filled(20, 1f);
    x[11] = Float.NaN;
    assertTrue(Double.isNaN(panama.sum(x, 0, 20)));
    assertTrue(Double.isNaN(panama.dot(x, 0, x, 0, 20)));
    x[11] = Float.NEGATIVE_INFINITY;
    assertEquals(Double.NEGATIVE_INFINITY, panama.sum(x, 0, 20));
  }

  @Test
  void sumAxisMatchesReference() {
    int[][] shapes = {
      {1, 1, 1},
      {3, 7, 1},
      {2, 5, 3},
      {4, 3, 13},
      {2, 9, 207},
      {1, 3, 4098},
      {5, 1, 16},
      {3, 300, 8},
      {3, 4, 40},
      {2, 3, 33}
    };
    for (int[] s : shapes) {
      int size = s[0] * s[1] * s[2];
      float[] x = values(size, 2f);
      float[] expected = filled(s[0] * s[2] + 1, SENTINEL);
      float[] actual = filled(s[0] * s[2] + 1, SENTINEL);
      reference.sumAxis(x, s[0], s[1], s[2], expected);
      panama.sumAxis(x, s[0], s[1], s[2], actual);
      for (int i = 0; i < expected.length; i++) {
        assertClose(
            "sumAxis " + s[0] + "x" + s[1] + "x" + s[2] + " at " + i,
            expected[i],
            actual[i],
            1e-6,
            1e-6);
      }
    }
  }

  @Test
  void maxAxisMatchesReference() {
    int[][] shapes = {{1, 1, 1}, {3, 7, 1}, {2, 5, 13}};
    for (int[] s : shapes) {
      float[] x = withSpecials(values(s[0] * s[1] * s[2], 2f), 0, s[0] * s[1] * s[2]);
      float[] expected = new float[s[0] * s[2]];
      float[] actual = new float[s[0] * s[2]];
      int[] expectedIndex = new int[s[0] * s[2]];
      int[] actualIndex = new int[s[0] * s[2]];
      reference.maxAxis(x, s[0], s[1], s[2], expected, expectedIndex);
      panama.maxAxis(x, s[0], s[1], s[2], actual, actualIndex);
      assertArrayBits("maxAxis", expected, actual, 0, expected.length);
      assertEquals(Arrays.toString(expectedIndex), Arrays.toString(actualIndex));
    }
  }

  @Test
  void axpyMatchesBitForBit() {
    for (int n : LENGTHS) {
      float[] x = withSpecials(values(OFFSET_IN + n, 2f), OFFSET_IN, n);
      float[] expected = values(OFFSET_OUT + n + 2, 2f);
      float[] actual = expected.clone();
      reference.axpy(-0.37f, x, OFFSET_IN, expected, OFFSET_OUT, n);
      panama.axpy(-0.37f, x, OFFSET_IN, actual, OFFSET_OUT, n);
      assertArrayBits("axpy n=" + n, expected, actual, 0, expected.length);
    }
  }

  // ---- helpers ----

  private float[] values(int length, float scale) {
    float[] x = new float[length];
    for (int i = 0; i < length; i++) {
      x[i] = (random.nextFloat() * 2 - 1) * scale;
    }
    return x;
  }

  private static float[] filled(int length, float value) {
    float[] x = new float[length];
    Arrays.fill(x, value);
    return x;
  }

  /** Puts NaN, infinities, signed zeros, large and tiny values at spread-out positions. */
  private static float[] withSpecials(float[] x, int off, int n) {
    float[] specials = {
      Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 100f, -100f, 1e-30f, -3f
    };
    for (int s = 0; s < specials.length && n > 0; s++) {
      x[off + (s * 7 + 2) % n] = specials[s];
    }
    return x;
  }

  private static void fillSentinels(float[] x, int off, int n) {
    for (int i = 0; i < x.length; i++) {
      if (i < off || i >= off + n) {
        x[i] = SENTINEL;
      }
    }
  }

  private static void checkSentinels(String what, float[] x, int off, int n) {
    for (int i = 0; i < x.length; i++) {
      if ((i < off || i >= off + n) && x[i] != SENTINEL) {
        fail(what + ": wrote outside its range at index " + i);
      }
    }
  }

  private static void assertArrayBits(
      String what, float[] expected, float[] actual, int from, int to) {
    for (int i = from; i < to; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        fail(String.format("%s: index %d: expected %s, got %s", what, i, expected[i], actual[i]));
      }
    }
  }

  private static void assertClose(
      String what, float expected, float actual, double relative, double absolute) {
    if (Float.isNaN(expected) || Float.isNaN(actual) || Float.isInfinite(expected)) {
      assertEquals(
          Float.floatToIntBits(expected),
          Float.floatToIntBits(actual),
          what + ": expected " + expected + ", got " + actual);
      return;
    }
    double tolerance = relative * Math.abs(expected) + absolute;
    if (Math.abs(expected - actual) > tolerance) {
      fail(what + ": expected " + expected + ", got " + actual);
    }
  }
}
