package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShuffleTest {
  @Test
  void theStreamIsSplitMix64AsSplittableRandomComputesIt() {
    qt().forAll(longs().all())
        .checkAssert(
            seed -> {
              Shuffle ours = new Shuffle(seed);
              SplittableRandom jdk = new SplittableRandom(seed);
              for (int i = 0; i < 5; i++) {
                assertEquals(jdk.nextLong(), ours.nextLong());
              }
            });
  }

  @Test
  void boundedDrawsStayInRangeAndPermutationsArePermutations() {
    qt().forAll(integers().between(1, Integer.MAX_VALUE), longs().all())
        .checkAssert(
            (bound, seed) -> {
              Shuffle s = Shuffle.of(seed, 0);
              for (int i = 0; i < 20; i++) {
                int v = s.nextInt(bound);
                assertTrue(v >= 0 && v < bound, v + " for bound " + bound);
              }
              int[] p = Shuffle.of(seed, 1).permutation(bound % 50);
              int[] sorted = p.clone();
              Arrays.sort(sorted);
              for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i]);
              }
            });
  }

  @Test
  void boundedDrawsAreUniform() {
    Shuffle s = Shuffle.of(7, 0);
    int[] counts = new int[6];
    for (int i = 0; i < 60_000; i++) {
      counts[s.nextInt(6)]++;
    }
    for (int c : counts) {
      assertTrue(Math.abs(c - 10_000) < 400, Arrays.toString(counts)); // ~4 standard deviations
    }
  }
}
