package dev.tapegrad.autograd;

import static dev.tapegrad.autograd.GradientCases.Domain.ANY;
import static dev.tapegrad.autograd.GradientCases.Domain.UNIT;
import static dev.tapegrad.autograd.GradientCases.assertGradientsMatch;
import static dev.tapegrad.autograd.GradientCases.spec;

import dev.tapegrad.autograd.GradientCases.Case;
import dev.tapegrad.autograd.GradientCases.Check;
import dev.tapegrad.autograd.GradientCases.Draw;
import dev.tapegrad.autograd.GradientCases.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gradient checks, first and second order, of matmul in all its forms, dot, softmax, logSoftmax,
 * the losses and dropout, on random sizes drawn from each case's shape.
 */
class NeuralGradientPropertyTest {
  private static final int EXAMPLES = 20;

  /** The case's sizes, padded with drawn ones: m, k, n, batch. */
  private static int[] sizes(Case c, Draw d) {
    int[] s = new int[4];
    for (int i = 0; i < s.length; i++) {
      s[i] = i < c.rank() ? c.shape[i] : d.between(1, 6);
    }
    return s;
  }

  /** matmul of operands shaped by {@code shapes(m, k, n, batch)}. */
  private static Spec matmul(String name, ShapePair shapes) {
    return spec(
        "matmul " + name,
        c -> {
          Draw d = c.draw();
          int[] s = sizes(c, d);
          int[][] pair = shapes.of(s[0], s[1], s[2], s[3]);
          int which = d.between(0, 3);
          Tensor a = which == 0 ? d.constant(pair[0], ANY) : d.tensor(pair[0], ANY);
          Tensor b = which == 1 ? d.constant(pair[1], ANY) : d.tensor(pair[1], ANY);
          return new Check(in -> in[0].matmul(in[1]), a, b);
        });
  }

  @FunctionalInterface
  private interface ShapePair {
    int[][] of(int m, int k, int n, int batch);
  }

  private static final List<Spec> LINEAR_ALGEBRA =
      List.of(
          matmul("1-D x 1-D", (m, k, n, b) -> new int[][] {{k}, {k}}),
          matmul("1-D x 2-D", (m, k, n, b) -> new int[][] {{k}, {k, n}}),
          matmul("2-D x 1-D", (m, k, n, b) -> new int[][] {{m, k}, {k}}),
          matmul("2-D x 2-D", (m, k, n, b) -> new int[][] {{m, k}, {k, n}}),
          matmul("3-D x 3-D", (m, k, n, b) -> new int[][] {{b, m, k}, {b, k, n}}),
          matmul("3-D x 2-D", (m, k, n, b) -> new int[][] {{b, m, k}, {k, n}}),
          matmul("2-D x 3-D", (m, k, n, b) -> new int[][] {{m, k}, {b, k, n}}),
          matmul("1-D x 3-D", (m, k, n, b) -> new int[][] {{k}, {b, k, n}}),
          matmul("3-D x 1-D", (m, k, n, b) -> new int[][] {{b, m, k}, {k}}),
          matmul("batch 1 x batch b", (m, k, n, b) -> new int[][] {{1, m, k}, {b, k, n}}),
          matmul("batch b x batch 1", (m, k, n, b) -> new int[][] {{b, m, k}, {1, k, n}}),
          matmul(
              "4-D x 3-D broadcast batch", (m, k, n, b) -> new int[][] {{2, 1, m, k}, {b, k, n}}),
          spec(
              "dot",
              c -> {
                Draw d = c.draw();
                int k = sizes(c, d)[1];
                return new Check(
                    in -> in[0].dot(in[1]),
                    d.tensor(new int[] {k}, ANY),
                    d.tensor(new int[] {k}, ANY));
              }));

  @Test
  void linearAlgebra() {
    assertGradientsMatch("linear algebra", LINEAR_ALGEBRA, EXAMPLES);
  }

  // ---------------------------------------------------------------- softmax, losses, dropout

  /** Logits [N, C] from the case's first and last sizes, and class targets. */
  private static final class Classification {
    final Tensor logits;
    final int[] targets;

    Classification(Case c, Draw d, int ignoreIndex) {
      int n = c.shape[0];
      int classes = c.rank() == 1 ? d.between(1, 6) : c.shape[c.rank() - 1];
      boolean ignoring = ignoreIndex != -100;
      if (ignoring) {
        classes = Math.max(classes, 2); // so that the first target can avoid the ignored class
      }
      logits = d.tensor(new int[] {n, classes}, ANY);
      targets = new int[n];
      for (int i = 0; i < n; i++) {
        do {
          targets[i] = d.between(0, classes - 1);
        } while (i == 0 && targets[i] == ignoreIndex);
        // with an ignore index, about a third of the targets after the first are ignored
        if (i > 0 && ignoring && d.between(0, 2) == 0) {
          targets[i] = ignoreIndex;
        }
      }
    }
  }

  private static Spec crossEntropy(Reduction reduction, int ignoreIndex, float smoothing) {
    return spec(
        "crossEntropy("
            + reduction
            + ", ignoreIndex="
            + ignoreIndex
            + ", labelSmoothing="
            + smoothing
            + ")",
        c -> {
          Classification data = new Classification(c, c.draw(), ignoreIndex);
          return new Check(
              in -> Functional.crossEntropy(in[0], data.targets, reduction, ignoreIndex, smoothing),
              data.logits);
        });
  }

  private static Spec nllLoss(Reduction reduction, int ignoreIndex) {
    return spec(
        "nllLoss(" + reduction + ", ignoreIndex=" + ignoreIndex + ")",
        c -> {
          Classification data = new Classification(c, c.draw(), ignoreIndex);
          return new Check(
              in -> Functional.nllLoss(in[0].logSoftmax(1), data.targets, reduction, ignoreIndex),
              data.logits);
        });
  }

  private static List<Spec> neuralSpecs() {
    List<Spec> specs = new ArrayList<>();
    specs.add(
        spec(
            "softmax",
            c -> {
              Draw d = c.draw();
              int dim = d.dim(c.rank());
              return new Check(in -> in[0].softmax(dim), d.tensor(c.shape, ANY));
            }));
    specs.add(
        spec(
            "logSoftmax",
            c -> {
              Draw d = c.draw();
              int dim = d.dim(c.rank());
              return new Check(in -> in[0].logSoftmax(dim), d.tensor(c.shape, ANY));
            }));
    specs.add(
        spec(
            "crossEntropy (defaults)",
            c -> {
              Classification data = new Classification(c, c.draw(), -100);
              return new Check(in -> Functional.crossEntropy(in[0], data.targets), data.logits);
            }));
    specs.add(
        spec(
            "crossEntropy of 1-D logits",
            c -> {
              Draw d = c.draw();
              int classes = c.shape[c.rank() - 1];
              int[] target = {d.between(0, classes - 1)};
              return new Check(
                  in -> Functional.crossEntropy(in[0], target, Reduction.NONE, -100, 0.2f),
                  d.tensor(new int[] {classes}, ANY));
            }));
    for (Reduction r : Reduction.values()) {
      specs.add(crossEntropy(r, -100, 0f));
      specs.add(crossEntropy(r, 1, 0f));
      specs.add(crossEntropy(r, -100, 0.1f));
      specs.add(crossEntropy(r, 0, 0.3f));
      specs.add(nllLoss(r, -100));
      specs.add(nllLoss(r, 2));
      specs.add(
          spec(
              "mseLoss(" + r + ")",
              c -> {
                Draw d = c.draw();
                return new Check(
                    in -> Functional.mseLoss(in[0], in[1], r),
                    d.tensor(c.shape, ANY),
                    d.tensor(c.shape, ANY));
              }));
      specs.add(
          spec(
              "binaryCrossEntropyWithLogits(" + r + ")",
              c -> {
                Draw d = c.draw();
                return new Check(
                    in -> Functional.binaryCrossEntropyWithLogits(in[0], in[1], r),
                    d.tensor(c.shape, ANY),
                    d.tensor(c.shape, UNIT));
              }));
    }
    specs.add(
        spec(
            "mseLoss (defaults)",
            c -> {
              Draw d = c.draw();
              return new Check(
                  in -> Functional.mseLoss(in[0], in[1]),
                  d.tensor(c.shape, ANY),
                  d.constant(c.shape, ANY));
            }));
    specs.add(
        spec(
            "binaryCrossEntropyWithLogits (defaults)",
            c -> {
              Draw d = c.draw();
              return new Check(
                  in -> Functional.binaryCrossEntropyWithLogits(in[0], in[1]),
                  d.tensor(c.shape, ANY),
                  d.constant(c.shape, UNIT));
            }));
    for (float p : new float[] {0f, 0.3f, 0.5f, 1f}) {
      specs.add(
          spec(
              "dropout(p=" + p + ", training)",
              c -> {
                Draw d = c.draw();
                long seed = d.random.nextLong();
                // a generator seeded inside the function: every evaluation draws the same mask
                return new Check(
                    in -> Functional.dropout(in[0], p, true, new Random(seed)),
                    d.tensor(c.shape, ANY));
              }));
    }
    specs.add(
        spec(
            "dropout(eval)",
            c ->
                new Check(
                    in -> Functional.dropout(in[0], 0.5f, false, new Random(1)).mul(1f),
                    c.draw().tensor(c.shape, ANY))));
    return specs;
  }

  @Test
  void softmaxLossesAndDropout() {
    assertGradientsMatch("neural", neuralSpecs(), EXAMPLES);
  }
}
