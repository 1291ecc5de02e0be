package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The portable kernels against naive double-precision loops, on sizes that cross block edges. */
class JavaKernelsTest {
  private final JavaKernels kernels = new JavaKernels();
  private final Random random = new Random(42);

  private float[] randomArray(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = random.nextFloat() * 2 - 1;
    }
    return x;
  }

  /** Reference {@code op(a) op(b)} in double, with the same storage conventions as gemm. */
  private static double[] naiveGemm(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      boolean transA,
      float[] b,
      int bOff,
      boolean transB) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
          double bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
          s += av * bv;
        }
        c[i * n + j] = s;
      }
    }
    return c;
  }

  private void checkGemm(
      int m, int n, int k, boolean transA, boolean transB, int aOff, int bOff, int cOff) {
    float[] a = randomArray(aOff + m * k + 3);
    float[] b = randomArray(bOff + k * n + 3);
    float[] c = randomArray(cOff + m * n + 5); // garbage that gemm must overwrite, not add to
    float[] before = c.clone();
    kernels.gemm(m, n, k, a, aOff, transA, b, bOff, transB, c, cOff);
    double[] want = naiveGemm(m, n, k, a, aOff, transA, b, bOff, transB);
    // float32 products summed in float: error grows like sqrt(k) * eps * |terms|
    double tolerance = 1e-5 * Math.max(1, k);
    for (int i = 0; i < m * n; i++) {
      float got = c[cOff + i];
      if (Math.abs(got - want[i]) > tolerance) {
        fail(
            String.format(
                "gemm m=%d n=%d k=%d transA=%s transB=%s: element (%d, %d) = %s, want %s",
                m, n, k, transA, transB, i / n, i % n, got, want[i]));
      }
    }
    for (int i = 0; i < cOff; i++) {
      assertEquals(before[i], c[i], "gemm wrote before its output offset");
    }
    for (int i = cOff + m * n; i < c.length; i++) {
      assertEquals(before[i], c[i], "gemm wrote past its output");
    }
  }

  @Test
  void gemmMatchesNaiveOnAwkwardSizes() {
    int[] sizes = {1, 2, 3, 5, 13, 63, 129};
    for (int m : sizes) {
      for (int n : new int[] {1, 3, 13, 129}) {
        for (int k : new int[] {1, 2, 5, 63, 129}) {
          checkGemm(m, n, k, false, false, 0, 0, 0);
        }
      }
    }
  }

  @Test
  void gemmAllTransposeCombinations() {
    int[][] shapes = {
      {1, 1, 1}, {2, 3, 5}, {13, 5, 3}, {63, 129, 13}, {5, 207, 129}, {207, 13, 207}
    };
    for (int[] s : shapes) {
      for (boolean transA : new boolean[] {false, true}) {
        for (boolean transB : new boolean[] {false, true}) {
          checkGemm(s[0], s[1], s[2], transA, transB, 0, 0, 0);
        }
      }
    }
  }

  @Test
  void gemmCrossesBlockBoundaries() {
    // k > 128 (KC) and n > 512 (NC), in every transpose combination
    for (boolean transA : new boolean[] {false, true}) {
      for (boolean transB : new boolean[] {false, true}) {
        checkGemm(7, 531, 261, transA, transB, 0, 0, 0);
        checkGemm(9, 1030, 129, transA, transB, 0, 0, 0);
      }
    }
  }

  @Test
  void gemmNonZeroOffsets() {
    for (boolean transA : new boolean[] {false, true}) {
      for (boolean transB : new boolean[] {false, true}) {
        checkGemm(13, 5, 63, transA, transB, 7, 11, 3);
        checkGemm(1, 129, 2, transA, transB, 1, 2, 17);
      }
    }
  }

  @Test
  void gemmParallelPath() {
    // 300^3 is far above the parallel threshold (2^20 multiply-adds)
    checkGemm(300, 300, 300, false, false, 0, 0, 0);
    checkGemm(207, 300, 150, true, true, 5, 3, 2);
    checkGemm(301, 13, 600, false, true, 0, 0, 0);
  }

  @Test
  void gemmEmptyDimensionsGiveZeros() {
    float[] c = {5f, 5f, 5f, 5f, 5f, 5f};
    kernels.gemm(2, 3, 0, new float[0], 0, false, new float[0], 0, false, c, 0);
    assertArrayEquals(new float[6], c);
    kernels.gemm(0, 3, 4, new float[0], 0, false, new float[12], 0, false, c, 0);
    assertArrayEquals(new float[6], c);
  }

  private static double naiveBinary(BinaryOp op, double x, double y) {
    return switch (op) {
      case ADD -> x + y;
      case SUB -> x - y;
      case MUL -> x * y;
      case DIV -> x / y;
      case POW -> Math.pow(x, y);
      case MAX -> Math.max(x, y);
      case MIN -> Math.min(x, y);
      case GT -> x > y ? 1 : 0;
      case GE -> x >= y ? 1 : 0;
      case EQ -> x == y ? 1 : 0;
      default -> throw new AssertionError(op);
    };
  }

  @Test
  void binaryWithEveryStrideCombination() {
    int n = 37;
    float[] a = randomArray(n + 4);
    float[] b = randomArray(n + 4);
    for (int i = 0; i < a.length; i++) {
      a[i] = Math.abs(a[i]) + 0.1f; // positive bases for pow
    }
    b[6] = a[2]; // one tie for max, min, ge and eq
    for (BinaryOp op : BinaryOp.values()) {
      for (int aStride : new int[] {0, 1}) {
        for (int bStride : new int[] {0, 1}) {
          float[] out = new float[n + 2];
          kernels.binary(op, a, 2, aStride, b, 4, bStride, out, 1, n);
          assertEquals(0f, out[0], "wrote before the output offset");
          assertEquals(0f, out[n + 1], "wrote past the output");
          for (int i = 0; i < n; i++) {
            double want = naiveBinary(op, a[2 + i * aStride], b[4 + i * bStride]);
            assertEquals(
                want,
                out[1 + i],
                1e-6 * Math.max(1, Math.abs(want)),
                op + " strides " + aStride + "/" + bStride + " at " + i);
          }
        }
      }
    }
  }

  @Test
  void binaryMaxMinPropagateNaN() {
    float[] a = {Float.NaN, 1f, 2f};
    float[] b = {0f, Float.NaN, 1f};
    float[] out = new float[3];
    kernels.binary(BinaryOp.MAX, a, 0, 1, b, 0, 1, out, 0, 3);
    assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]));
    assertEquals(2f, out[2]);
    kernels.binary(BinaryOp.MIN, a, 0, 1, b, 0, 1, out, 0, 3);
    assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]));
    assertEquals(1f, out[2]);
  }

  @Test
  void sumAxisMatchesNaive() {
    int[][] layouts = {
      {1, 1, 1}, {1, 7, 1}, {3, 5, 1}, {1, 5, 4}, {4, 13, 3}, {2, 1, 9}, {5, 0, 2}
    };
    for (int[] l : layouts) {
      int outer = l[0];
      int size = l[1];
      int inner = l[2];
      float[] x = randomArray(outer * size * inner);
      float[] out = new float[outer * inner];
      kernels.sumAxis(x, outer, size, inner, out);
      for (int o = 0; o < outer; o++) {
        for (int i = 0; i < inner; i++) {
          double s = 0;
          for (int j = 0; j < size; j++) {
            s += x[(o * size + j) * inner + i];
          }
          assertEquals(s, out[o * inner + i], 1e-6, "sumAxis " + Arrays.toString(l));
        }
      }
    }
  }

  @Test
  void maxAxisMatchesNaiveAndPicksFirstMaximum() {
    int[][] layouts = {{1, 1, 1}, {1, 7, 1}, {3, 5, 1}, {1, 5, 4}, {4, 13, 3}};
    for (int[] l : layouts) {
      int outer = l[0];
      int size = l[1];
      int inner = l[2];
      float[] x = randomArray(outer * size * inner);
      // duplicate values so that the first occurrence must win
      for (int i = 0; i + inner < x.length; i += 2 * inner + 1) {
        x[i + inner] = x[i];
      }
      float[] out = new float[outer * inner];
      int[] arg = new int[outer * inner];
      kernels.maxAxis(x, outer, size, inner, out, arg);
      for (int o = 0; o < outer; o++) {
        for (int i = 0; i < inner; i++) {
          float best = Float.NEGATIVE_INFINITY;
          int bestJ = -1;
          for (int j = 0; j < size; j++) {
            float v = x[(o * size + j) * inner + i];
            if (bestJ < 0 || v > best) {
              best = v;
              bestJ = j;
            }
          }
          assertEquals(best, out[o * inner + i]);
          assertEquals(bestJ, arg[o * inner + i], "first index of the maximum");
        }
      }
    }
    float[] out = new float[1];
    kernels.maxAxis(new float[] {1f, 2f}, 1, 2, 1, out, null); // argmax may be null
    assertEquals(2f, out[0]);
  }

  @Test
  void maxAxisPropagatesNaNAndHandlesAllNegativeInfinity() {
    float[] out = new float[2];
    int[] arg = new int[2];
    float[] x = {
      1f, Float.NEGATIVE_INFINITY, Float.NaN, Float.NEGATIVE_INFINITY, 3f, Float.NEGATIVE_INFINITY
    };
    kernels.maxAxis(x, 1, 3, 2, out, arg);
    assertTrue(Float.isNaN(out[0]));
    assertEquals(1, arg[0]);
    assertEquals(Float.NEGATIVE_INFINITY, out[1]);
    assertEquals(0, arg[1]);
  }

  @Test
  void sumAndDotAccumulateInDouble() {
    // 1 followed by a million 1e-8 values: float accumulation would lose every small term
    int n = 1_000_001;
    float[] x = new float[n + 3];
    x[3] = 1f;
    for (int i = 4; i < n + 3; i++) {
      x[i] = 1e-8f;
    }
    double want = 1 + (n - 1) * (double) 1e-8f;
    assertEquals(want, kernels.sum(x, 3, n), 1e-12);
    float[] ones = new float[n + 1];
    Arrays.fill(ones, 1f);
    assertEquals(want, kernels.dot(x, 3, ones, 1, n), 1e-12);
    // odd and tiny lengths
    float[] y = randomArray(7);
    for (int len = 0; len <= 7; len++) {
      double s = 0;
      double d = 0;
      for (int i = 0; i < len; i++) {
        s += y[i];
        d += (double) y[i] * y[i];
      }
      assertEquals(s, kernels.sum(y, 0, len), 1e-12);
      assertEquals(d, kernels.dot(y, 0, y, 0, len), 1e-12);
    }
  }

  @Test
  void axpyAddsScaledRange() {
    float[] x = {1f, 2f, 3f, 4f};
    float[] y = {10f, 20f, 30f, 40f};
    kernels.axpy(0.5f, x, 1, y, 2, 2);
    assertArrayEquals(new float[] {10f, 20f, 31f, 41.5f}, y);
  }

  @Test
  void unaryMatchesMathOnEdgeValues() {
    float[] x = {-3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f, 20f, -20f};
    float[] out = new float[x.length];
    kernels.unary(UnaryOp.SIGMOID, x, 0, out, 0, x.length);
    for (int i = 0; i < x.length; i++) {
      assertEquals(1 / (1 + Math.exp(-x[i])), out[i], 1e-7);
    }
    kernels.unary(UnaryOp.SOFTPLUS, x, 0, out, 0, x.length);
    for (int i = 0; i < x.length; i++) {
      assertEquals(Math.log1p(Math.exp(x[i])), out[i], 1e-6 * Math.max(1, Math.abs(x[i])));
    }
    kernels.unary(UnaryOp.RELU, new float[] {Float.NaN, -1f, 2f}, 0, out, 0, 3);
    assertTrue(Float.isNaN(out[0]));
    assertEquals(0f, out[1]);
    assertEquals(2f, out[2]);
  }

  @Test
  void erfMatchesReferenceValues() {
    // math.erf (C library) values; both sides of the series/continued-fraction switch at 2.5
    double[][] table = {
      {0.0, 0.0},
      {0.1, 0.1124629160182849},
      {0.5, 0.5204998778130465},
      {1.0, 0.8427007929497149},
      {1.5, 0.9661051464753108},
      {2.0, 0.9953222650189527},
      {2.4999, 0.9995928300996666},
      {2.5, 0.999593047982555},
      {2.5001, 0.9995932657565293},
      {3.0, 0.9999779095030014},
      {3.5, 0.9999992569016276},
      {4.0, 0.9999999845827421},
      {5.0, 0.9999999999984626},
      {7.0, 1.0},
    };
    for (double[] row : table) {
      assertEquals(row[1], JavaKernels.erf(row[0]), 1e-9, "erf(" + row[0] + ")");
      assertEquals(-row[1], JavaKernels.erf(-row[0]), 1e-9, "erf(-" + row[0] + ")");
    }
    assertTrue(Double.isNaN(JavaKernels.erf(Double.NaN)));
  }
}
