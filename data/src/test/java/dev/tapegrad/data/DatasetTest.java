package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DatasetTest {
  @Test
  void rowsOfATensorWithLabelsAndLazyMap() {
    Tensor x = Tensor.arange(6).reshape(3, 2);
    Dataset<Example> rows = Dataset.ofRows(x, new int[] {2, 0, 1});
    assertEquals(3, rows.size());
    assertArrayEquals(new float[] {2, 3}, rows.get(1).input().toFloatArray());
    assertEquals(0, rows.get(1).label());
    AtomicInteger calls = new AtomicInteger();
    Dataset<Integer> labels =
        rows.map(
            e -> {
              calls.incrementAndGet();
              return e.label();
            });
    assertEquals(0, calls.get());
    assertEquals(1, labels.get(2));
    assertEquals(List.of(2, 0, 1), labels.cache().asList());
    assertEquals(List.of(1, 2), labels.subset(2, 0).asList());
    assertEquals(List.of(0, 1), labels.range(1, 3).asList());
  }

  @Test
  void outOfRangeAndMismatchedInputsAreRejected() {
    Dataset<Integer> d = Dataset.of(List.of(1, 2, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> d.get(3));
    assertThrows(IndexOutOfBoundsException.class, () -> d.subset(0, 5));
    assertThrows(IllegalArgumentException.class, () -> d.range(2, 1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Dataset.ofRows(Tensor.zeros(3, 2), new int[] {0, 1}));
    assertTrue(
        e.getMessage().contains("[3, 2] have 3 rows but there are 2 labels"), e.getMessage());
  }

  @Test
  void splitsPartitionTheDatasetWithPyTorchsRounding() {
    qt().withExamples(200)
        .forAll(
            integers().between(0, 80),
            doubles().between(0, 1),
            doubles().between(0, 1),
            longs().all())
        .checkAssert(
            (n, a, b, seed) -> {
              double train = a;
              double validation = (1 - a) * b;
              double test = 1 - train - validation;
              Split<Integer> split =
                  Split.byFractions(Dataset.fromFunction(n, i -> i), train, validation, test, seed);
              TreeSet<Integer> all = new TreeSet<>();
              List<Integer> seen = new ArrayList<>();
              for (Dataset<Integer> part :
                  List.of(split.train(), split.validation(), split.test())) {
                seen.addAll(part.asList());
              }
              all.addAll(seen);
              assertEquals(n, seen.size());
              assertEquals(n, all.size());
              assertTrue(
                  Math.abs(split.train().size() - train * n) < 3,
                  split.train().size() + " for " + train * n);
            });
  }

  @Test
  void splitsAreSeededAndOrderedSplitsKeepTheOrder() {
    Dataset<Integer> d = Dataset.fromFunction(10, i -> i);
    assertEquals(
        Split.byCounts(d, 6, 2, 2, 1).train().asList(),
        Split.byCounts(d, 6, 2, 2, 1).train().asList());
    assertTrue(
        !Split.byCounts(d, 6, 2, 2, 1)
            .train()
            .asList()
            .equals(Split.byCounts(d, 6, 2, 2, 2).train().asList()));
    Split<Integer> ordered = Split.ordered(d, 0.7, 0.2, 0.1);
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), ordered.train().asList());
    assertEquals(List.of(7, 8), ordered.validation().asList());
    assertEquals(List.of(9), ordered.test().asList());
    // 7 examples at 0.5/0.25/0.25: floors 3, 1, 1, then one more each for train and validation
    Split<Integer> odd = Split.byFractions(Dataset.fromFunction(7, i -> i), 0.5, 0.25, 0.25, 0);
    assertEquals(
        List.of(4, 2, 1), List.of(odd.train().size(), odd.validation().size(), odd.test().size()));
    assertThrows(IllegalArgumentException.class, () -> Split.byFractions(d, 0.5, 0.2, 0.2, 0));
    assertThrows(IllegalArgumentException.class, () -> Split.byCounts(d, 5, 5, 1, 0));
  }
}
