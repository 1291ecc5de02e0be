package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void topKAccuracyGrowsWithKFromAccuracyToOne() {
    qt().withExamples(150)
        .forAll(integers().between(1, 12), integers().between(1, 6), longs().all())
        .checkAssert(
            (rows, classes, seed) -> {
              Random random = new Random(seed);
              // integer scores make ties common
              Tensor scores = Tensor.of(randomInts(random, rows * classes, 3), rows, classes);
              int[] labels = new int[rows];
              for (int i = 0; i < rows; i++) {
                labels[i] = random.nextInt(classes);
              }
              double previous = 0;
              for (int k = 1; k <= classes; k++) {
                double top = Metrics.topKAccuracy(scores, labels, k);
                assertTrue(top >= previous);
                previous = top;
              }
              assertEquals(1.0, previous);
              assertEquals(
                  Metrics.accuracy(Metrics.predictions(scores), labels),
                  Metrics.accuracy(scores, labels));
              assertEquals(
                  Metrics.accuracy(scores, labels),
                  new ConfusionMatrix(classes).update(scores, labels).accuracy(),
                  1e-12);
            });
  }

  private static float[] randomInts(Random random, int n, int bound) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextInt(bound);
    }
    return v;
  }

  @Test
  void tiesGoToTheLowerIndexAndNanRanksLast() {
    Tensor scores = Tensor.of(new float[] {1, 1, 0, Float.NaN, 2, 2}, 2, 3);
    assertEquals(1.0, Metrics.accuracy(scores, new int[] {0, 1}));
    assertEquals(0.0, Metrics.accuracy(scores, new int[] {1, 2}));
    assertEquals(0.5, Metrics.topKAccuracy(scores, new int[] {1, 0}, 2));
    assertEquals(1.0, Metrics.topKAccuracy(scores, new int[] {1, 2}, 2));
  }

  @Test
  void perplexityAndBitsPerCharacterOfACrossEntropy() {
    // uniform logits over 8 classes: perplexity 8, 3 bits
    Tensor uniform = Tensor.zeros(5, 8);
    double nats = Functional.crossEntropy(uniform, new int[] {0, 1, 2, 3, 7}).item();
    assertEquals(8.0, Metrics.perplexity(nats), 1e-5);
    assertEquals(3.0, Metrics.bitsPerCharacter(nats), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> Metrics.perplexity(-1));
  }

  @Test
  void confusionMatrixCountsPrecisionAndRecall() {
    ConfusionMatrix m =
        new ConfusionMatrix(3).update(new int[] {0, 0, 1, 2, 2, 2}, new int[] {0, 1, 1, 2, 2, 0});
    assertEquals(1, m.count(1, 0));
    assertEquals(6, m.total());
    assertEquals(4 / 6.0, m.accuracy(), 1e-12);
    assertEquals(0.5, m.precision(0));
    assertEquals(2 / 3.0, m.precision(2), 1e-12);
    assertEquals(0.5, m.recall(1));
    assertTrue(m.toString().contains("accuracy 0.6667 of 6"), m.toString());
    assertTrue(Double.isNaN(new ConfusionMatrix(2).precision(1)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> m.update(new int[] {3}, new int[] {0}));
    assertTrue(
        e.getMessage().contains("prediction 3 at position 0 is outside [0, 3)"), e.getMessage());
    m.reset();
    assertEquals(0, m.total());
  }

  @Test
  void badScoresAreRejectedNamingTheShapes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Metrics.accuracy(Tensor.zeros(3, 2), new int[] {0, 1}));
    assertTrue(e.getMessage().contains("scores [3, 2] do not fit 2 labels"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Metrics.topKAccuracy(Tensor.zeros(2, 2), new int[] {0, 1}, 3));
    assertTrue(e.getMessage().contains("k = 3 is outside [1, 2]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> Metrics.accuracy(Tensor.zeros(1, 2), new int[] {2}));
  }

  @Test
  void weightedMeanWeighsBatchesBySize() {
    WeightedMean mean = new WeightedMean().add(1.0, 3).add(3.0, 1);
    assertEquals(1.5, mean.mean());
    assertEquals(4, mean.weight());
    mean.reset();
    assertTrue(Double.isNaN(mean.mean()));
  }
}
