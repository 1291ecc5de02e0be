package dev.tapegrad.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OrderedSumTest {
  private static OrderedSum.Node leaf(float... values) {
    return new OrderedSum.Node(values, values[0], 1, 0, 0, null);
  }

  @Test
  void threePartitionsAddAsTheTreeSays() {
    // values whose float sum depends on the grouping: (a + b) + c differs from a + (b + c)
    float a = 1e8f;
    float b = -1e8f;
    float c = 1.5f;
    for (int[] order : new int[][] {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}}) {
      float[][] values = {{a}, {b}, {c}};
      OrderedSum sum = new OrderedSum(3);
      for (int p : order) {
        sum.add(p, leaf(values[p].clone()));
      }
      assertEquals((a + b) + c, sum.total().values[0], "order " + Arrays.toString(order));
    }
  }

  @Test
  void theTotalIsTheSameForEveryOrderAndGrouping() {
    Random random = new Random(1);
    for (int partitions : new int[] {1, 2, 5, 8, 13}) {
      float[][] values = new float[partitions][7];
      for (float[] v : values) {
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8)));
        }
      }
      float[] reference = null;
      for (int trial = 0; trial < 20; trial++) {
        List<Integer> order = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          order.add(p);
        }
        Collections.shuffle(order, random);
        // split the contributions among a few partial sums, merged in a random order too
        int groups = 1 + random.nextInt(3);
        List<OrderedSum> partials = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
          partials.add(new OrderedSum(partitions));
        }
        for (int p : order) {
          partials.get(random.nextInt(groups)).add(p, leaf(values[p].clone()));
        }
        Collections.shuffle(partials, random);
        OrderedSum total = partials.get(0);
        for (int g = 1; g < groups; g++) {
          total =
              random.nextBoolean() ? total.merge(partials.get(g)) : partials.get(g).merge(total);
        }
        float[] result = total.total().values;
        if (reference == null) {
          reference = result;
        } else {
          assertArrayEquals(reference, result, partitions + " partitions, trial " + trial);
        }
      }
    }
  }

  @Test
  void emptyPartitionsCountAsZeroAndTheFirstPayloadIsTheLowestPartitions() {
    OrderedSum sum = new OrderedSum(3);
    sum.add(2, new OrderedSum.Node(new float[] {2}, 0, 1, 0, 0, "two"));
    sum.add(0, new OrderedSum.Node(null, 0, 0, 0, 0, null));
    sum.add(1, new OrderedSum.Node(new float[] {1}, 0, 1, 0, 0, "one"));
    OrderedSum.Node total = sum.total();
    assertArrayEquals(new float[] {3}, total.values);
    assertEquals(2, total.contributing);
    assertEquals("one", total.first);
  }

  @Test
  void aMissingOrRepeatedPartitionIsAnError() {
    OrderedSum sum = new OrderedSum(3);
    sum.add(0, leaf(1));
    sum.add(2, leaf(1));
    assertThrows(IllegalStateException.class, sum::total);
    assertThrows(IllegalStateException.class, () -> sum.add(0, leaf(1)));
    assertThrows(IllegalArgumentException.class, () -> sum.add(3, leaf(1)));
  }
}
