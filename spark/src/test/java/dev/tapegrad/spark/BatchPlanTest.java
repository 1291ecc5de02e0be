package dev.tapegrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BatchPlanTest {
  @Test
  void sharesAreProportionalToPartitionSizesAndAddUpToTheBatch() {
    BatchPlan plan = BatchPlan.of(1, new long[] {10, 30, 0, 60}, 10);
    assertEquals(1, plan.share(0));
    assertEquals(3, plan.share(1));
    assertEquals(0, plan.share(2));
    assertEquals(6, plan.share(3));
    assertEquals(10, plan.globalBatch());
    // remainders go to the largest fractions, ties to the lower partition
    BatchPlan uneven = BatchPlan.of(1, new long[] {1, 1, 1}, 4);
    assertEquals(
        Arrays.asList(2, 1, 1), Arrays.asList(uneven.share(0), uneven.share(1), uneven.share(2)));
  }

  @Test
  void drawsDependOnlyOnSeedStepAndPartition() {
    BatchPlan a = BatchPlan.of(7, new long[] {50, 50}, 8);
    BatchPlan b = BatchPlan.of(7, new long[] {50, 50}, 8);
    assertArrayEquals(a.indices(3, 1), b.indices(3, 1));
    assertFalse(Arrays.equals(a.indices(3, 1), a.indices(4, 1)));
    assertFalse(Arrays.equals(a.indices(3, 0), a.indices(3, 1)));
    assertFalse(
        Arrays.equals(a.indices(3, 1), BatchPlan.of(8, new long[] {50, 50}, 8).indices(3, 1)));
    for (int i : a.indices(9, 0)) {
      assertTrue(i >= 0 && i < 50);
    }
  }

  @Test
  void badPlansAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(1, new long[] {3}, 0));
    assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(1, new long[] {0, 0}, 4));
    assertThrows(IllegalArgumentException.class, () -> BatchPlan.of(1, new long[] {-1, 5}, 4));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BatchPlan.of(1, new long[] {0, 5}, 4).draw(0, 0, 2));
    assertTrue(e.getMessage().contains("empty partition 0"), e.getMessage());
  }
}
