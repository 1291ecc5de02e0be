package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class InitTest {
  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double std(float[] v) {
    double m = mean(v);
    double s = 0;
    for (float x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / v.length);
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  /** Checks mean 0 and the given std (within 5%) on a large sample. */
  private static void assertMoments(float[] v, double expectedStd) {
    assertEquals(
        0, mean(v), 5 * expectedStd / Math.sqrt(v.length), "mean within 5 standard errors");
    assertEquals(expectedStd, std(v), 0.05 * expectedStd);
  }

  @Test
  void uniformAndNormalHaveTheirMoments() {
    float[] u = Init.uniform(Tensor.zeros(200, 100), -2, 4, new Random(1)).toFloatArray();
    assertTrue(maxAbs(u) <= 4 && Arrays.stream(toDouble(u)).min().getAsDouble() >= -2);
    assertEquals(1, mean(u), 0.05);
    assertEquals(6 / Math.sqrt(12), std(u), 0.05);
    float[] n = Init.normal(Tensor.zeros(200, 100), 3, 0.5, new Random(2)).toFloatArray();
    assertEquals(3, mean(n), 0.02);
    assertEquals(0.5, std(n), 0.02);
    assertArrayEquals(
        Tensor.zeros(2, 3).toFloatArray(), Init.zeros(Tensor.ones(2, 3)).toFloatArray());
    assertArrayEquals(Tensor.ones(4).toFloatArray(), Init.ones(Tensor.zeros(4)).toFloatArray());
    assertArrayEquals(
        Tensor.full(2.5f, 4).toFloatArray(), Init.constant(Tensor.zeros(4), 2.5f).toFloatArray());
  }

  private static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  @Test
  void xavierUsesBothFans() {
    // [out=200, in=100, k=3]: fanIn 300, fanOut 600
    float[] u = Init.xavierUniform(Tensor.zeros(200, 100, 3), 2.0, new Random(3)).toFloatArray();
    double bound = 2.0 * Math.sqrt(6.0 / 900);
    assertTrue(maxAbs(u) <= bound);
    assertTrue(maxAbs(u) > 0.99 * bound, "the range is used up to the bound");
    assertMoments(u, bound / Math.sqrt(3));
    assertMoments(
        Init.xavierNormal(Tensor.zeros(200, 300), new Random(4)).toFloatArray(),
        Math.sqrt(2.0 / 500));
  }

  @Test
  void kaimingUsesTheChosenFanAndGain() {
    float[] u = Init.kaimingUniform(Tensor.zeros(300, 200), new Random(5)).toFloatArray();
    double bound = Math.sqrt(2) * Math.sqrt(3.0 / 200);
    assertTrue(maxAbs(u) <= bound && maxAbs(u) > 0.99 * bound);
    float[] n =
        Init.kaimingNormal(Tensor.zeros(300, 200), 0, Init.FanMode.FAN_OUT, new Random(6))
            .toFloatArray();
    assertMoments(n, Math.sqrt(2.0 / 300));
    // Linear's default: a = sqrt(5) gives U(-1/sqrt(in), 1/sqrt(in))
    float[] linear =
        Init.kaimingUniform(Tensor.zeros(300, 64), Math.sqrt(5), Init.FanMode.FAN_IN, new Random(7))
            .toFloatArray();
    assertTrue(maxAbs(linear) <= 1 / 8.0 + 1e-7 && maxAbs(linear) > 0.99 / 8);
  }

  @Test
  void orthogonalGivesOrthonormalRowsOrColumns() {
    for (int[] shape : new int[][] {{6, 6}, {10, 4}, {4, 10}, {3, 2, 4}}) {
      Tensor w = Init.orthogonal(Tensor.zeros(shape), 1.5, new Random(8));
      int rows = shape[0];
      Tensor m = w.reshape(rows, -1);
      int cols = m.size(1);
      Tensor gram = rows <= cols ? m.matmul(m.t()) : m.t().matmul(m);
      int n = Math.min(rows, cols);
      Close.assertClose(Tensor.eye(n).mul(2.25f), gram, 1e-5);
    }
    assertThrows(
        IllegalArgumentException.class, () -> Init.orthogonal(Tensor.zeros(5), new Random(1)));
  }

  @Test
  void everyRandomInitialiserIsReproducibleFromASeed() {
    List<BiFunction<Tensor, RandomGenerator, Tensor>> inits =
        List.of(
            (t, r) -> Init.uniform(t, -1, 1, r),
            (t, r) -> Init.normal(t, 0, 1, r),
            Init::xavierUniform,
            Init::xavierNormal,
            Init::kaimingUniform,
            Init::kaimingNormal,
            Init::orthogonal);
    for (var init : inits) {
      float[] a = init.apply(Tensor.zeros(5, 7), new Random(11)).toFloatArray();
      float[] b = init.apply(Tensor.zeros(5, 7), new Random(11)).toFloatArray();
      float[] c = init.apply(Tensor.zeros(5, 7), new Random(12)).toFloatArray();
      assertArrayEquals(a, b);
      assertTrue(!Arrays.equals(a, c));
    }
  }

  @Test
  void initialisesParametersInPlaceAndKeepsThemTrainable() {
    Linear linear = new Linear(3, 2, new Random(1));
    Tensor w = linear.weight();
    assertSame(w, Init.xavierUniform(w, new Random(2)));
    assertSame(w, linear.weight());
    assertTrue(w.requiresGrad());
    assertArrayEquals(
        Init.xavierUniform(Tensor.zeros(2, 3), new Random(2)).toFloatArray(), w.toFloatArray());
  }

  @Test
  void aModelBuiltFromOneSeedIsReproducible() {
    Sequential a =
        new Sequential(
            new Linear(4, 8, new Random(99)), new Tanh(), new Linear(8, 2, new Random(99)));
    Random r1 = new Random(5);
    Random r2 = new Random(5);
    Sequential b =
        new Sequential(new Linear(4, 8, r1), new Dropout(0.5f, r1), new Linear(8, 2, r1));
    Sequential c =
        new Sequential(new Linear(4, 8, r2), new Dropout(0.5f, r2), new Linear(8, 2, r2));
    b.stateDict()
        .forEach(
            (k, v) -> assertArrayEquals(v.toFloatArray(), c.stateDict().get(k).toFloatArray(), k));
    assertTrue(
        !Arrays.equals(a.parameters().get(0).toFloatArray(), b.parameters().get(0).toFloatArray()));
  }

  @Test
  void fanlessTensorsAreRejectedWithTheShape() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Init.xavierUniform(Tensor.zeros(4), new Random(1)));
    assertTrue(
        e.getMessage().contains("Init.xavierUniform") && e.getMessage().contains("[4]"),
        e.getMessage());
  }

  @Test
  void layerDefaultsFollowPyTorch() {
    Random random = new Random(21);
    Linear linear = new Linear(64, 300, random);
    for (Tensor p : linear.parameters()) {
      float[] v = p.toFloatArray();
      assertTrue(maxAbs(v) <= 1 / 8.0 && maxAbs(v) > 0.95 / 8, "U(-1/sqrt(in), 1/sqrt(in))");
    }
    assertMoments(linear.weight().toFloatArray(), 1 / 8.0 / Math.sqrt(3));
    TimeDelay tdnn = new TimeDelay(8, 300, 2, random);
    float[] w = tdnn.weight().toFloatArray();
    assertTrue(maxAbs(w) <= 0.25 && maxAbs(w) > 0.95 * 0.25, "fanIn = in * context = 16");
    assertMoments(new Embedding(300, 40, random).weight().toFloatArray(), 1.0);
    LayerNorm norm = new LayerNorm(3, 2);
    assertArrayEquals(Tensor.ones(3, 2).toFloatArray(), norm.weight().toFloatArray());
    assertArrayEquals(Tensor.zeros(3, 2).toFloatArray(), norm.bias().toFloatArray());
  }
}
