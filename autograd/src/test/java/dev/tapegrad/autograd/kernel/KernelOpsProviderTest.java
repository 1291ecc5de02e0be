package dev.tapegrad.autograd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Softmax, the tensor-and-scalar ops, where and the indexing kernels: the Vector API provider
 * against the portable reference on awkward lengths (1, 13, 207, 4098: below, across and far past
 * the vector width and the shortest vectorised length), with offsets and special values. Exact
 * where both providers round the same operations; softmax, whose exponential differs by an ulp or
 * so between providers, within a few ulp.
 */
class KernelOpsProviderTest {
  private static final int[] LENGTHS = {0, 1, 13, 207, 4098};
  private static final int OFFSET_IN = 5;
  private static final int OFFSET_OUT = 3;

  private final Kernels reference = new JavaKernels();
  private final Kernels panama = KernelProvider.create("panama");
  private final Random random = new Random(411);

  @Test
  void softmaxAgreesOverLastAndMiddleAxes() {
    for (int n : LENGTHS) {
      for (int[] layout : new int[][] {{3, n, 1}, {2, n, 5}, {1, 4, n}}) {
        for (boolean log : new boolean[] {false, true}) {
          int outer = layout[0];
          int size = layout[1];
          int inner = layout[2];
          float[] x = values(outer * size * inner, 30f);
          if (x.length > 2) {
            x[1] = Float.NEGATIVE_INFINITY;
          }
          float[] expected = new float[x.length];
          float[] actual = new float[x.length];
          reference.softmax(x, outer, size, inner, expected, log);
          panama.softmax(x, outer, size, inner, actual, log);
          for (int i = 0; i < x.length; i++) {
            double tolerance =
                log ? 2e-6 * (1 + Math.abs(expected[i])) : 4e-6 * expected[i] + 1e-12;
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)
                && Float.compare(expected[i], actual[i]) != 0) {
              fail(
                  String.format(
                      "softmax log=%b [%d, %d, %d] at %d: panama %s, java %s",
                      log, outer, size, inner, i, actual[i], expected[i]));
            }
          }
          if (!log && x.length > 0) {
            double total = 0;
            for (int j = 0; j < size; j++) {
              total += expected[j * inner];
            }
            assertEquals(1.0, total, 1e-5, "a softmax row sums to 1");
          }
        }
      }
    }
  }

  @Test
  void softmaxOfARowWithoutAFiniteMaximumIsNaNOrUniformAsTheFormulaSays() {
    float[] x = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, Float.POSITIVE_INFINITY};
    for (Kernels k : new Kernels[] {reference, panama}) {
      float[] out = new float[4];
      k.softmax(x, 2, 2, 1, out, false);
      // all -inf: shifted by 0, e = 0, 0 / 0; +inf: inf / inf
      assertEquals(Float.NaN, out[0], k.name());
      assertEquals(Float.NaN, out[3], k.name());
      assertEquals(0f, out[2], k.name());
    }
  }

  @Test
  void scalarOpsAreExactForEveryOpAndOrder() {
    for (int n : LENGTHS) {
      float[] x = withSpecials(values(OFFSET_IN + n, 4f));
      for (BinaryOp op : BinaryOp.values()) {
        for (boolean first : new boolean[] {false, true}) {
          for (float s : new float[] {0.75f, -3f, 0f}) {
            float[] expected = new float[OFFSET_OUT + n];
            float[] actual = new float[OFFSET_OUT + n];
            reference.scalarOp(op, x, OFFSET_IN, s, first, expected, OFFSET_OUT, n);
            panama.scalarOp(op, x, OFFSET_IN, s, first, actual, OFFSET_OUT, n);
            assertSame(
                expected, actual, String.format("scalarOp %s s=%s first=%b n=%d", op, s, first, n));
          }
        }
      }
    }
  }

  @Test
  void scalarOpsMatchTheirDefinition() {
    float[] x = {2f, -4f, 0.5f};
    float[] out = new float[3];
    for (Kernels k : new Kernels[] {reference, panama}) {
      k.scalarOp(BinaryOp.SUB, x, 0, 1f, true, out, 0, 3);
      assertEquals(-1f, out[0]);
      assertEquals(5f, out[1]);
      k.scalarOp(BinaryOp.DIV, x, 0, 1f, true, out, 0, 3);
      assertEquals(2f, out[2]);
      k.scalarOp(BinaryOp.POW, x, 0, 2f, false, out, 0, 3);
      assertEquals(16f, out[1]);
    }
  }

  @Test
  void whereIsExactForEveryStridePattern() {
    for (int n : LENGTHS) {
      float[] mask = values(OFFSET_IN + n, 1f);
      for (int i = 0; i < mask.length; i++) {
        int kind = random.nextInt(5);
        mask[i] = kind == 0 ? 0f : kind == 1 ? -0f : kind == 2 ? Float.NaN : mask[i];
      }
      float[] a = withSpecials(values(OFFSET_IN + n + 1, 2f));
      float[] b = values(OFFSET_IN + n + 2, 2f);
      for (int pattern = 0; pattern < 4; pattern++) {
        int aStride = pattern & 1;
        int bStride = pattern >> 1;
        float[] expected = new float[OFFSET_OUT + n];
        float[] actual = new float[OFFSET_OUT + n];
        reference.where(mask, OFFSET_IN, a, 1, aStride, b, 2, bStride, expected, OFFSET_OUT, n);
        panama.where(mask, OFFSET_IN, a, 1, aStride, b, 2, bStride, actual, OFFSET_OUT, n);
        assertSame(
            expected, actual, String.format("where n=%d strides %d %d", n, aStride, bStride));
        for (int i = 0; i < n; i++) {
          float m = mask[OFFSET_IN + i];
          float want = m != 0 ? a[1 + i * aStride] : b[2 + i * bStride];
          assertEquals(
              Float.floatToIntBits(want),
              Float.floatToIntBits(expected[OFFSET_OUT + i]),
              "where picks a where the mask is non-zero (NaN too), b at 0 and -0");
        }
      }
    }
  }

  @Test
  void gatherAndScatterAddAreExactWithRepeatedPositions() {
    for (int n : LENGTHS) {
      float[] src = values(Math.max(1, n / 3 + 1), 5f);
      int[] positions = new int[n];
      for (int i = 0; i < n; i++) {
        positions[i] = random.nextInt(src.length);
      }
      float[] expected = new float[n];
      float[] actual = new float[n];
      reference.gather(src, positions, expected, n);
      panama.gather(src, positions, actual, n);
      assertSame(expected, actual, "gather n=" + n);
      for (int i = 0; i < n; i++) {
        assertEquals(src[positions[i]], expected[i]);
      }

      float[] g = values(n, 5f);
      float[] sumExpected = new float[src.length];
      float[] sumActual = new float[src.length];
      reference.scatterAdd(g, positions, sumExpected, n);
      panama.scatterAdd(g, positions, sumActual, n);
      assertSame(sumExpected, sumActual, "scatterAdd n=" + n);
      float[] byHand = new float[src.length];
      for (int i = 0; i < n; i++) {
        byHand[positions[i]] += g[i];
      }
      assertSame(byHand, sumExpected, "scatterAdd sums repeated positions in order, n=" + n);
    }
  }

  @Test
  void indexSelectAndIndexAddAreExactForEverySliceLength() {
    for (int inner : LENGTHS) {
      int outer = 2;
      int size = 5;
      int[] index = {4, 0, 4, 2, 1, 4};
      float[] x = values(outer * size * inner, 3f);
      float[] expected = new float[outer * index.length * inner];
      float[] actual = new float[expected.length];
      reference.indexSelect(x, outer, size, inner, index, expected);
      panama.indexSelect(x, outer, size, inner, index, actual);
      assertSame(expected, actual, "indexSelect inner=" + inner);
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < index.length; j++) {
          for (int i = 0; i < inner; i++) {
            assertEquals(
                x[(o * size + index[j]) * inner + i], expected[(o * index.length + j) * inner + i]);
          }
        }
      }

      float[] g = values(expected.length, 3f);
      float[] addExpected = new float[x.length];
      float[] addActual = new float[x.length];
      reference.indexAdd(g, outer, size, inner, index, addExpected);
      panama.indexAdd(g, outer, size, inner, index, addActual);
      assertSame(addExpected, addActual, "indexAdd inner=" + inner);
      float[] byHand = new float[x.length];
      for (int o = 0; o < outer; o++) {
        for (int j = 0; j < index.length; j++) {
          for (int i = 0; i < inner; i++) {
            byHand[(o * size + index[j]) * inner + i] += g[(o * index.length + j) * inner + i];
          }
        }
      }
      assertSame(byHand, addExpected, "indexAdd sums repeated indices, inner=" + inner);
    }
  }

  private float[] values(int n, float scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (random.nextGaussian() * scale);
    }
    return x;
  }

  private static float[] withSpecials(float[] x) {
    float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f};
    for (int i = 0; i < specials.length && 7 * i + OFFSET_IN < x.length; i++) {
      x[7 * i + OFFSET_IN] = specials[i];
    }
    return x;
  }

  /** Bit-equal, NaNs of any payload counted as equal. */
  private static void assertSame(float[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        fail(String.format("%s at %d: expected %s, got %s", what, i, expected[i], actual[i]));
      }
    }
  }
}
