package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties over generated shapes (rank 1–3, sizes 1–6, values in [-2, 2]). */
class LayerPropertiesTest {
  private static int[] shape(Random random, int rank) {
    int[] s = new int[rank];
    for (int d = 0; d < rank; d++) {
      s[d] = 1 + random.nextInt(6);
    }
    return s;
  }

  @Test
  void timeDelayMatchesTheConvolutionSum() {
    qt().withExamples(60)
        .forAll(
            integers().between(1, 3),
            integers().between(1, 4),
            integers().between(1, 3),
            longs().all())
        .checkAssert(
            (batch, context, dilation, seed) -> {
              Random random = new Random(seed);
              int in = 1 + random.nextInt(4);
              int out = 1 + random.nextInt(4);
              int time = dilation * (context - 1) + 1 + random.nextInt(4);
              TimeDelay tdnn = new TimeDelay(in, out, context, dilation, random);
              Tensor x = Tensor.uniform(random, -2, 2, batch, time, in);
              Tensor y = tdnn.forward(x);
              int outTime = time - dilation * (context - 1);
              assertArrayEquals(new int[] {batch, outTime, out}, y.shape());
              for (int n = 0; n < batch; n++) {
                for (int t = 0; t < outTime; t++) {
                  for (int o = 0; o < out; o++) {
                    double s = tdnn.bias().get(o);
                    for (int k = 0; k < context; k++) {
                      for (int f = 0; f < in; f++) {
                        s += tdnn.weight().get(o, k * in + f) * x.get(n, t + k * dilation, f);
                      }
                    }
                    assertEquals(s, y.get(n, t, o), 1e-5);
                  }
                }
              }
            });
  }

  @Test
  void linearTreatsLeadingDimensionsAsABatch() {
    qt().withExamples(60)
        .forAll(integers().between(1, 3), longs().all())
        .checkAssert(
            (rank, seed) -> {
              Random random = new Random(seed);
              int[] shape = shape(random, rank);
              int in = shape[rank - 1];
              Linear linear = new Linear(in, 1 + random.nextInt(6), random);
              Tensor x = Tensor.uniform(random, -2, 2, shape);
              Tensor rows = x.reshape(-1, in);
              Tensor y = linear.forward(x).reshape(rows.size(0), -1);
              int r = random.nextInt(rows.size(0));
              Close.assertClose(
                  linear.forward(rows.narrow(0, r, 1).reshape(in)),
                  y.narrow(0, r, 1).reshape(-1),
                  1e-6);
            });
  }

  @Test
  void layerNormGivesZeroMeanUnitVariance() {
    qt().withExamples(60)
        .forAll(integers().between(1, 3), longs().all())
        .checkAssert(
            (rank, seed) -> {
              Random random = new Random(seed);
              int[] shape = shape(random, rank);
              int last = shape[rank - 1];
              if (last == 1) {
                return; // a single element normalises to 0, variance undefined
              }
              Tensor x = Tensor.uniform(random, -2, 2, shape);
              Tensor y = new LayerNorm(last).forward(x).reshape(-1, last);
              Tensor variance = x.reshape(-1, last).var(1, false, false);
              Close.assertClose(Tensor.zeros(y.size(0)), y.mean(1, false), 1e-5);
              // eps = 1e-5 shrinks the variance to var / (var + eps)
              Close.assertClose(variance.div(variance.add(1e-5f)), y.var(1, false, false), 1e-4);
            });
  }

  @Test
  void crossEntropyOverLeadingDimensionsIsTheFlatLoss() {
    qt().withExamples(60)
        .forAll(integers().between(1, 3), longs().all())
        .checkAssert(
            (rank, seed) -> {
              Random random = new Random(seed);
              int[] shape = shape(random, rank);
              Tensor logits = Tensor.uniform(random, -2, 2, shape);
              int classes = shape[rank - 1];
              int positions = logits.numel() / classes;
              int[] targets = new int[positions];
              for (int i = 0; i < positions; i++) {
                targets[i] = random.nextInt(classes);
              }
              Tensor flat =
                  Functional.crossEntropy(
                      logits.reshape(positions, classes), targets, Reduction.SUM, -100, 0.1f);
              assertEquals(
                  flat.item(),
                  new CrossEntropyLoss(Reduction.SUM, -100, 0.1f).forward(logits, targets).item(),
                  1e-5 * Math.max(1, Math.abs(flat.item())));
            });
  }
}
