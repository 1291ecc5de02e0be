package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Properties every optimizer must have, on random problems. */
class OptimizerPropertiesTest {

  /**
   * A random convex quadratic {@code 0.5 (x - c)^T A (x - c)} with A's eigenvalues in [0.5, n +
   * 0.5].
   */
  record Quadratic(Tensor a, Tensor c) {
    static Quadratic random(int n, Random random) {
      Tensor m = Tensor.uniform(random, -1, 1, n, n);
      Tensor a = m.t().matmul(m).div(n).add(Tensor.eye(n).mul(0.5f));
      return new Quadratic(a, Tensor.uniform(random, -2, 2, n));
    }

    Tensor loss(Tensor x) {
      Tensor d = x.sub(c);
      return d.dot(a.matmul(d)).mul(0.5f);
    }

    /** A starting point at least 0.5 from the minimum in every coordinate. */
    Tensor start(Random random) {
      float[] offset = Tensor.uniform(random, 0.5f, 2f, c.numel()).toFloatArray();
      for (int i = 0; i < offset.length; i++) {
        offset[i] *= random.nextBoolean() ? 1 : -1;
      }
      return c.add(Tensor.vector(offset)).requiresGrad(true);
    }
  }

  private static float lossAndBackward(Quadratic q, Tensor x) {
    Tensor loss = q.loss(x);
    loss.backward();
    return loss.item();
  }

  @Test
  void everyOptimizerDecreasesAConvexQuadratic() {
    for (var config : Configs.all().entrySet()) {
      qt().withExamples(20)
          .forAll(integers().between(1, 6), longs().all())
          .checkAssert(
              (n, seed) -> {
                Random random = new Random(seed);
                Quadratic q = Quadratic.random(n, random);
                Tensor x = q.start(random);
                Optimizer opt = config.getValue().apply(List.of(x));
                float initial = q.loss(x).item();
                float loss = initial;
                for (int step = 0; step < 100; step++) {
                  opt.zeroGrad();
                  loss = lossAndBackward(q, x);
                  opt.step();
                }
                float last = loss;
                assertTrue(
                    last < 0.5f * initial,
                    () ->
                        config.getKey()
                            + ": loss went from "
                            + initial
                            + " to "
                            + last
                            + " in 100 steps");
              });
    }
  }

  @Test
  void plainSgdMovesEachParameterByMinusLrTimesGrad() {
    qt().withExamples(50)
        .forAll(integers().between(1, 40), longs().all())
        .checkAssert(
            (n, seed) -> {
              Random random = new Random(seed);
              double lr = 0.001 + random.nextDouble();
              Tensor p = Tensor.uniform(random, -2, 2, n).requiresGrad(true);
              float[] before = p.toFloatArray();
              float[] grad = Tensor.uniform(random, -2, 2, n).toFloatArray();
              p.setGrad(Tensor.vector(grad));
              new Sgd(List.of(p), Sgd.options().lr(lr)).step();
              float[] after = p.toFloatArray();
              for (int i = 0; i < n; i++) {
                // Exactly p + (-lr) * grad in float32, with lr rounded to float32 once.
                assertEquals(before[i] + (float) -lr * grad[i], after[i], 0f, "element " + i);
              }
            });
  }

  @Test
  void zeroGradientsChangeNothingWithoutWeightDecay() {
    List<Function<List<Tensor>, Optimizer>> optimizers =
        List.of(
            p -> new Sgd(p, Sgd.options().lr(0.1).momentum(0.9).nesterov(true)),
            p -> new Adam(p, Adam.options().lr(0.1)),
            p -> new Adam(p, Adam.options().lr(0.1).amsgrad(true)),
            p -> new AdamW(p, AdamW.options().lr(0.1).weightDecay(0)),
            p -> new RmsProp(p, RmsProp.options().lr(0.1).centered(true).momentum(0.9)),
            p -> new Adagrad(p, Adagrad.options().lr(0.1)));
    qt().withExamples(30)
        .forAll(integers().between(1, 30), longs().all())
        .checkAssert(
            (n, seed) -> {
              for (var make : optimizers) {
                Tensor p = Tensor.randn(seed, n).requiresGrad(true);
                float[] before = p.toFloatArray();
                Optimizer opt = make.apply(List.of(p));
                for (int step = 0; step < 5; step++) {
                  p.setGrad(Tensor.zeros(n));
                  opt.step();
                }
                assertArrayEquals(before, p.toFloatArray(), opt.toString());
              }
            });
  }

  @Test
  void parametersWithoutGradientAreSkipped() {
    qt().withExamples(30)
        .forAll(integers().between(2, 6), longs().all())
        .checkAssert(
            (count, seed) -> {
              Random random = new Random(seed);
              for (var config : Configs.all().entrySet()) {
                List<Tensor> params = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                  params.add(Tensor.randn(random, 1 + random.nextInt(4), 3).requiresGrad(true));
                }
                boolean[] hasGrad = new boolean[count];
                hasGrad[0] = true; // at least one moves
                for (int i = 1; i < count; i++) {
                  hasGrad[i] = random.nextBoolean();
                }
                List<float[]> before = new ArrayList<>();
                Optimizer opt = config.getValue().apply(params);
                for (int i = 0; i < count; i++) {
                  before.add(params.get(i).toFloatArray());
                }
                for (int step = 0; step < 3; step++) {
                  for (int i = 0; i < count; i++) {
                    params
                        .get(i)
                        .setGrad(hasGrad[i] ? Tensor.randn(random, params.get(i).shape()) : null);
                  }
                  opt.step();
                }
                var state = opt.stateDict();
                for (int i = 0; i < count; i++) {
                  if (hasGrad[i]) {
                    assertFalse(
                        Arrays.equals(before.get(i), params.get(i).toFloatArray()),
                        config.getKey() + " moved " + i);
                    assertEquals(
                        3,
                        StateDicts.readScalar(state.get("state." + i + ".step")),
                        config.getKey());
                  } else {
                    assertArrayEquals(
                        before.get(i),
                        params.get(i).toFloatArray(),
                        config.getKey() + " skipped " + i);
                    assertNull(params.get(i).grad());
                    assertFalse(
                        state.containsKey("state." + i + ".step"),
                        config.getKey() + " has no state for " + i);
                  }
                }
              }
            });
  }

  @Test
  void stepRecordsNothingOnTheTape() {
    var configs = Configs.all();
    configs.putAll(Configs.twoGroups());
    for (var config : configs.entrySet()) {
      Random random = new Random(config.getKey().hashCode());
      List<Tensor> params =
          List.of(
              Tensor.randn(random, 3, 2).requiresGrad(true),
              Tensor.randn(random, 4).requiresGrad(true));
      Optimizer opt = config.getValue().apply(params);
      for (int step = 0; step < 3; step++) {
        opt.zeroGrad();
        // Gradients computed with createGraph have graphs of their own; the update must not extend
        // them.
        Tensor loss = params.get(0).square().sum().add(params.get(1).exp().sum());
        List<Tensor> grads = Autograd.grad(loss, params, true);
        for (int i = 0; i < 2; i++) {
          assertFalse(grads.get(i).isLeaf());
          params.get(i).setGrad(grads.get(i));
        }
        assertTrue(Autograd.isGradEnabled());
        long recorded = Recording.nodesRecordedDuring(opt::step);
        assertEquals(0, recorded, config.getKey() + " recorded " + recorded + " nodes in step()");
        assertTrue(Autograd.isGradEnabled(), "grad mode is restored");
        for (Tensor p : params) {
          assertTrue(p.isLeaf());
          assertTrue(p.requiresGrad());
        }
      }
    }
  }

  @Test
  void recordingCountSeesRecordedOps() {
    // The count behind stepRecordsNothingOnTheTape does detect recorded ops.
    Tensor x = Tensor.ones(2).requiresGrad(true);
    assertEquals(2, Recording.nodesRecordedDuring(() -> x.mul(3f).sum()));
    assertEquals(
        0,
        Recording.nodesRecordedDuring(
            () -> {
              try (var s = Autograd.noGrad()) {
                x.mul(3f).sum();
              }
            }));
  }

  @Test
  void zeroGradClearsEveryGradient() {
    List<Tensor> params =
        List.of(Tensor.ones(2).requiresGrad(true), Tensor.ones(3).requiresGrad(true));
    Adam adam = new Adam(params.subList(0, 1), Adam.options());
    adam.addParamGroup(params.subList(1, 2), Adam.options().lr(0.1));
    params.forEach(p -> p.setGrad(p.onesLike()));
    adam.zeroGrad();
    params.forEach(p -> assertNull(p.grad()));
  }

  @Test
  void stepDoesNotChangeGradients() {
    for (var config : Configs.all().entrySet()) {
      Tensor p = Tensor.randn(3L, 5).requiresGrad(true);
      float[] before = p.toFloatArray();
      Tensor g = Tensor.randn(4L, 5);
      float[] gradBefore = g.toFloatArray();
      Optimizer opt = config.getValue().apply(List.of(p));
      p.setGrad(g);
      opt.step();
      opt.step();
      assertArrayEquals(gradBefore, g.toFloatArray(), config.getKey());
      assertTrue(p.grad() == g, config.getKey());
      assertFalse(Arrays.equals(before, p.toFloatArray()), config.getKey() + " moved");
    }
  }
}
