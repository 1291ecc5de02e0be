package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradClipTest {
  private static List<Tensor> withGrads(Random random, int count) {
    List<Tensor> params = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Tensor p = Tensor.zeros(1 + random.nextInt(5), 1 + random.nextInt(4)).requiresGrad(true);
      p.setGrad(Tensor.uniform(random, -3, 3, p.shape()));
      params.add(p);
    }
    return params;
  }

  private static double norm(List<Tensor> params, double p) {
    double sum = 0;
    double max = 0;
    for (Tensor t : params) {
      for (float v : t.grad().toFloatArray()) {
        sum += Math.pow(Math.abs(v), p);
        max = Math.max(max, Math.abs(v));
      }
    }
    return Double.isInfinite(p) ? max : Math.pow(sum, 1 / p);
  }

  @Test
  void clippedGradientsHaveAtMostTheMaximumNorm() {
    qt().withExamples(200)
        .forAll(
            integers().between(1, 4),
            longs().all(),
            doubles().between(0.01, 10),
            integers().between(0, 3))
        .checkAssert(
            (count, seed, maxNorm, kind) -> {
              double p = new double[] {1, 2, 3.5, Double.POSITIVE_INFINITY}[kind];
              List<Tensor> params = withGrads(new Random(seed), count);
              List<float[]> before = new ArrayList<>();
              params.forEach(t -> before.add(t.grad().toFloatArray()));
              double expected = norm(params, p);
              float total = GradClip.clipGradNorm(params, maxNorm, p);
              assertEquals(
                  expected,
                  total,
                  1e-5 * expected,
                  "the returned norm is the norm before clipping");
              if (total > maxNorm) {
                assertTrue(norm(params, p) <= maxNorm * (1 + 1e-5), "clipped to the maximum");
              } else {
                for (int i = 0; i < count; i++) {
                  assertArrayEquals(
                      before.get(i),
                      params.get(i).grad().toFloatArray(),
                      "within the maximum: unchanged");
                }
              }
            });
  }

  @Test
  void nonFiniteNormsAreRejectedUnlessAllowed() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      Tensor p = Tensor.zeros(3).requiresGrad(true);
      Tensor grad = Tensor.vector(1, bad, 2);
      p.setGrad(grad);
      var e = assertThrows(ArithmeticException.class, () -> GradClip.clipGradNorm(List.of(p), 1.0));
      assertTrue(
          e.getMessage().contains("2.0-norm")
              && e.getMessage().contains(String.valueOf(bad))
              && e.getMessage().contains("errorIfNonfinite"),
          e.getMessage());
      assertSame(grad, p.grad(), "unchanged when rejected");
      assertThrows(
          ArithmeticException.class,
          () -> GradClip.clipGradNorm(List.of(p), 1.0, Double.POSITIVE_INFINITY));

      float total = GradClip.clipGradNorm(List.of(p), 1.0, 2, false);
      assertEquals(bad, total);
      assertTrue(Float.isNaN(p.grad().toFloatArray()[1]), "scaled anyway, as PyTorch");
    }
  }

  @Test
  void withoutGradientsTheNormIsZero() {
    Tensor p = Tensor.ones(2).requiresGrad(true);
    assertEquals(0f, GradClip.clipGradNorm(List.of(p), 1.0));
    assertEquals(0f, GradClip.clipGradNorm(List.of(), 1.0));
    GradClip.clipGradValue(List.of(p), 0.1);
    assertNull(p.grad());
  }

  @Test
  void clippingReplacesGradientsWithoutRecording() {
    Tensor p = Tensor.ones(3).requiresGrad(true);
    Tensor q = Tensor.ones(2).requiresGrad(true);
    // Gradients with graphs of their own (createGraph), the case where recording could leak.
    List<Tensor> grads =
        Autograd.grad(p.square().sum().mul(5f).add(q.exp().sum()), List.of(p, q), true);
    p.setGrad(grads.get(0));
    q.setGrad(grads.get(1));
    float[] old = grads.get(0).toFloatArray();
    assertEquals(0, Recording.nodesRecordedDuring(() -> GradClip.clipGradNorm(List.of(p, q), 0.5)));
    assertNotSame(grads.get(0), p.grad());
    assertArrayEquals(old, grads.get(0).toFloatArray(), "the old gradient tensor is not changed");
    assertTrue(p.grad().isLeaf() && !p.grad().requiresGrad());
    assertEquals(
        0, Recording.nodesRecordedDuring(() -> GradClip.clipGradValue(List.of(p, q), 0.01)));
    assertArrayEquals(new float[] {0.01f, 0.01f, 0.01f}, p.grad().toFloatArray());
  }

  @Test
  void clipGradValueClampsEveryElement() {
    qt().withExamples(100)
        .forAll(longs().all(), doubles().between(0, 4))
        .checkAssert(
            (seed, clip) -> {
              List<Tensor> params = withGrads(new Random(seed), 3);
              List<float[]> before = new ArrayList<>();
              params.forEach(t -> before.add(t.grad().toFloatArray()));
              GradClip.clipGradValue(params, clip);
              float c = clip.floatValue();
              for (int i = 0; i < params.size(); i++) {
                float[] got = params.get(i).grad().toFloatArray();
                for (int k = 0; k < got.length; k++) {
                  assertEquals(Math.min(c, Math.max(-c, before.get(i)[k])), got[k], 0f);
                }
              }
            });
  }
}
