package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused crossEntropy against its composed reference, {@code nllLoss(logSoftmax(x))} plus the
 * smoothing term, on random shapes (one row, one class, many of each), reductions, ignored targets
 * and smoothing: the loss is the same bits, the gradient agrees within float rounding, with and
 * without {@code createGraph}, and the second derivative through the fused op equals the composed
 * one. GradCheck of the fused op to second order is in {@link NeuralGradientPropertyTest}.
 */
class CrossEntropyFusedTest {
  private static final Reduction[] REDUCTIONS = Reduction.values();
  private static final float[] SMOOTHING = {0f, 0.1f, 0.7f, 1f};
  private static final int IGNORE = 2;

  /** The composition crossEntropy used to be, kept here as the reference. */
  static Tensor composed(
      Tensor logits, int[] targets, Reduction reduction, int ignoreIndex, float smoothing) {
    Tensor logProbs = Functional.logSoftmax(logits, 1);
    Tensor nll = Functional.nllLoss(logProbs, targets, Reduction.NONE, ignoreIndex);
    if (smoothing > 0) {
      float[] keep = new float[targets.length];
      for (int i = 0; i < keep.length; i++) {
        keep[i] = targets[i] == ignoreIndex ? 0f : 1f;
      }
      Tensor smooth = Binary.masked(logProbs.mean(1, false).neg(), Tensor.of(keep, targets.length));
      nll = nll.mul(1 - smoothing).add(smooth.mul(smoothing));
    }
    int count = 0;
    for (int t : targets) {
      count += t == ignoreIndex ? 0 : 1;
    }
    return switch (reduction) {
      case NONE -> nll;
      case SUM -> nll.sum();
      default -> count == 0 ? nll.sum().mul(0f).add(Float.NaN) : nll.sum().div((float) count);
    };
  }

  private record Case(Tensor logits, int[] targets, Reduction reduction, float smoothing) {
    static Case draw(long seed) {
      Random random = new Random(seed);
      int rows = 1 + random.nextInt(random.nextBoolean() ? 3 : 40);
      int classes = 1 + random.nextInt(random.nextBoolean() ? 4 : 70);
      float scale = random.nextBoolean() ? 1f : 20f;
      float[] values = new float[rows * classes];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian() * scale;
      }
      int[] targets = new int[rows];
      for (int i = 0; i < rows; i++) {
        targets[i] = random.nextInt(5) == 0 ? IGNORE : random.nextInt(classes);
      }
      return new Case(
          Tensor.of(values, rows, classes),
          targets,
          REDUCTIONS[random.nextInt(REDUCTIONS.length)],
          SMOOTHING[random.nextInt(SMOOTHING.length)]);
    }

    Tensor fused(Tensor x) {
      return Functional.crossEntropy(x, targets, reduction, IGNORE, smoothing);
    }

    Tensor reference(Tensor x) {
      return composed(x, targets, reduction, IGNORE, smoothing);
    }

    /** A fixed random weighting of the loss, so that every element of the gradient matters. */
    Tensor weigh(Tensor loss) {
      if (loss.dim() == 0) {
        return loss;
      }
      float[] w = new float[loss.numel()];
      for (int i = 0; i < w.length; i++) {
        w[i] = 0.5f + i % 3;
      }
      return loss.mul(Tensor.of(w, loss.shape())).sum();
    }
  }

  @Test
  void fusedLossIsTheComposedLossBitForBit() {
    qt().withExamples(150)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              Case c = Case.draw(seed);
              float[] fused = c.fused(c.logits).toFloatArray();
              float[] reference = c.reference(c.logits).toFloatArray();
              assertEquals(reference.length, fused.length);
              for (int i = 0; i < fused.length; i++) {
                assertEquals(
                    Float.floatToIntBits(reference[i]),
                    Float.floatToIntBits(fused[i]),
                    () -> "loss of " + c + ": fused and composed differ");
              }
            });
  }

  @Test
  void fusedGradientMatchesTheComposedOneWithAndWithoutCreateGraph() {
    qt().withExamples(150)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              Case c = Case.draw(seed);
              Tensor x = c.logits.detach().requiresGrad(true);
              Tensor expected = Autograd.grad(c.weigh(c.reference(x)), List.of(x), false).get(0);
              for (boolean createGraph : new boolean[] {false, true}) {
                Tensor actual = Autograd.grad(c.weigh(c.fused(x)), List.of(x), createGraph).get(0);
                assertClose(expected, actual, c + " createGraph=" + createGraph);
                assertEquals(createGraph, actual.requiresGrad(), "recorded only under createGraph");
              }
            });
  }

  @Test
  void secondDerivativeThroughTheFusedOpIsTheComposedOne() {
    qt().withExamples(60)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              Case c = Case.draw(seed);
              Tensor x = c.logits.detach().requiresGrad(true);
              // d/dx of sum(grad^2): a Hessian-vector product
              Tensor gf = Autograd.grad(c.weigh(c.fused(x)), List.of(x), true).get(0);
              Tensor hf = Autograd.grad(gf.square().sum(), List.of(x), false).get(0);
              Tensor gc = Autograd.grad(c.weigh(c.reference(x)), List.of(x), true).get(0);
              Tensor hc = Autograd.grad(gc.square().sum(), List.of(x), false).get(0);
              // a Hessian-vector product of a saturated softmax (logits up to ~40 apart) loses
              // several digits to cancellation in either formulation, so the two are held to
              // 2e-3 relative: a wrong formula is off by far more
              assertClose(hc, hf, "second order of " + c, 2e-3, 1e-4);
            });
  }

  @Test
  void ignoredRowsGetExactlyZeroEvenWhenTheLossIsNaN() {
    Tensor x = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2).requiresGrad(true);
    Tensor loss = Functional.crossEntropy(x, new int[] {-1, -1}, Reduction.MEAN, -1, 0.2f);
    assertTrue(Float.isNaN(loss.item()));
    loss.backward();
    for (float v : x.grad().toFloatArray()) {
      assertEquals(0f, v);
    }
  }

  private static void assertClose(Tensor expected, Tensor actual, String what) {
    assertClose(expected, actual, what, 1e-5, 2e-6);
  }

  private static void assertClose(
      Tensor expected, Tensor actual, String what, double relative, double ofScale) {
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    assertEquals(e.length, a.length, what);
    double scale = 0;
    for (float v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      double tolerance = relative * Math.abs(e[i]) + ofScale * scale + 1e-7;
      if (!(Math.abs(a[i] - e[i]) <= tolerance)) {
        throw new AssertionError(
            String.format("%s: element %d is %s, composed %s", what, i, a[i], e[i]));
      }
    }
  }
}
