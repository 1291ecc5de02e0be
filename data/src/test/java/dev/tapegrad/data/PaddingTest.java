package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PaddingTest {
  @Test
  void paddedValuesHoldEachSequenceThenThePadValue() {
    qt().withExamples(150)
        .forAll(integers().between(1, 6), integers().between(1, 4), booleans().all(), longs().all())
        .checkAssert(
            (batch, features, batchFirst, seed) -> {
              Random random = new Random(seed);
              List<Tensor> sequences = new ArrayList<>();
              for (int b = 0; b < batch; b++) {
                sequences.add(Tensor.uniform(random, -2, 2, 1 + random.nextInt(6), features));
              }
              Padding.Padded padded = Padding.pad(sequences, batchFirst, -7f);
              int steps = sequences.stream().mapToInt(s -> s.size(0)).max().getAsInt();
              Tensor v = padded.values();
              assertArrayEquals(
                  batchFirst
                      ? new int[] {batch, steps, features}
                      : new int[] {steps, batch, features},
                  v.shape());
              for (int b = 0; b < batch; b++) {
                assertEquals(sequences.get(b).size(0), padded.lengths()[b]);
                for (int t = 0; t < steps; t++) {
                  for (int f = 0; f < features; f++) {
                    float got = batchFirst ? v.get(b, t, f) : v.get(t, b, f);
                    float expected = t < padded.lengths()[b] ? sequences.get(b).get(t, f) : -7f;
                    assertEquals(expected, got);
                  }
                }
              }
            });
  }

  @Test
  void tokensArePaddedInEitherLayout() {
    List<int[]> sequences = List.of(new int[] {5, 6, 7}, new int[] {8});
    Padding.PaddedTokens time = Padding.padTokens(sequences, false, 0);
    assertArrayEquals(new int[] {5, 8, 6, 0, 7, 0}, time.ids());
    assertEquals(3, time.steps());
    assertEquals(2, time.batch());
    assertArrayEquals(new int[] {3, 1}, time.lengths());
    Padding.PaddedTokens batch = Padding.padTokens(sequences, true, 0);
    assertArrayEquals(new int[] {5, 6, 7, 8, 0, 0}, batch.ids());
    assertEquals(7, batch.id(2, 0));
    assertEquals(0, time.id(1, 1));
  }

  @Test
  void emptyAndMismatchedSequencesAreRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Padding.pad(List.of(Tensor.zeros(2, 3), Tensor.zeros(2, 4)), false, 0));
    assertTrue(
        e.getMessage().contains("sequence 1 has shape [2, 4] but sequence 0 has [2, 3]"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> Padding.pad(List.of(Tensor.zeros(0, 3)), false, 0));
    assertThrows(
        IllegalArgumentException.class, () -> Padding.padTokens(List.of(new int[0]), false, 0));
    assertThrows(IllegalArgumentException.class, () -> Padding.pad(List.of(), false, 0));
  }
}
