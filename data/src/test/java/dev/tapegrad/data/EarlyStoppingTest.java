package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
  @Test
  void stopsAfterPatienceChecksWithoutImprovementAndKeepsTheBestState() {
    Tensor weight = Tensor.zeros(2);
    List<Integer> saved = new ArrayList<>();
    int[] epoch = {0};
    EarlyStopping stopper =
        EarlyStopping.minimize()
            .patience(2)
            .minDelta(0.05)
            .keepBest(() -> Map.of("w", weight))
            .onImprovement(() -> saved.add(epoch[0]))
            .build();
    double[] losses = {1.0, 0.8, 0.78, 0.79, 0.5};
    boolean stop = false;
    for (; epoch[0] < losses.length && !stop; epoch[0]++) {
      weight.fillInPlace(epoch[0]);
      stop = stopper.update(losses[epoch[0]]);
    }
    assertTrue(stop);
    assertEquals(4, epoch[0], "0.78 is within minDelta of 0.8, 0.79 worse: stop after check 3");
    assertEquals(0.8, stopper.best());
    assertEquals(1, stopper.bestCheck());
    assertEquals(List.of(0, 1), saved);
    assertArrayEquals(
        new float[] {1, 1},
        stopper.bestState().get("w").toFloatArray(),
        "a copy, not the live tensor");
    assertThrows(IllegalStateException.class, () -> stopper.update(0.1));
  }

  @Test
  void maximisingMirrorsMinimising() {
    qt().withExamples(100)
        .forAll(
            lists().of(integers().between(-20, 20)).ofSizeBetween(1, 15), integers().between(1, 4))
        .checkAssert(
            (values, patience) -> {
              EarlyStopping min = EarlyStopping.minimize().patience(patience).build();
              EarlyStopping max = EarlyStopping.maximize().patience(patience).build();
              for (int v : values) {
                boolean a = min.update(v);
                boolean b = max.update(-v);
                assertEquals(a, b);
                assertEquals(min.bestCheck(), max.bestCheck());
                if (a) {
                  break;
                }
              }
            });
  }

  @Test
  void aNonFiniteValueStopsAtOnce() {
    EarlyStopping stopper = EarlyStopping.maximize().patience(10).build();
    assertFalse(stopper.update(0.5));
    assertTrue(stopper.improved());
    assertTrue(stopper.update(Double.NaN));
    assertEquals(0.5, stopper.best());
    assertThrows(IllegalStateException.class, stopper::bestState);
    assertThrows(IllegalArgumentException.class, () -> EarlyStopping.minimize().patience(0));
  }
}
