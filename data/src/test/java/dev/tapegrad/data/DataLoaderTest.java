package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
  private static Dataset<Integer> numbers(int n) {
    return Dataset.fromFunction(n, i -> i);
  }

  private static DataLoader<Integer, int[]> loader(
      int n, int batch, boolean shuffle, long seed, boolean dropLast) {
    DataLoader.Builder<Integer, int[]> b =
        DataLoader.builder(
                numbers(n), (List<Integer> l) -> l.stream().mapToInt(Integer::intValue).toArray())
            .batchSize(batch)
            .dropLast(dropLast);
    return (shuffle ? b.shuffle(seed) : b).build();
  }

  @Test
  void everyEpochVisitsEveryExampleOnceInBatchesOfTheSize() {
    qt().withExamples(200)
        .forAll(
            integers().between(1, 60), integers().between(1, 16), longs().all(), booleans().all())
        .checkAssert(
            (n, batch, seed, dropLast) -> {
              if (dropLast && n < batch) {
                return;
              }
              DataLoader<Integer, int[]> loader = loader(n, batch, true, seed, dropLast);
              List<Integer> seen = new ArrayList<>();
              int batches = 0;
              for (int[] b : loader.epoch(3)) {
                batches++;
                assertTrue(
                    b.length == batch
                        || (!dropLast && batches == loader.batchesPerEpoch() && b.length < batch));
                Arrays.stream(b).forEach(seen::add);
              }
              assertEquals(loader.batchesPerEpoch(), batches);
              int expected = dropLast ? n / batch * batch : n;
              assertEquals(expected, seen.size());
              assertEquals(expected, seen.stream().distinct().count());
            });
  }

  @Test
  void theOrderIsAFunctionOfSeedAndEpochOnly() {
    DataLoader<Integer, int[]> a = loader(100, 7, true, 42, false);
    DataLoader<Integer, int[]> b = loader(100, 7, true, 42, false);
    for (int epoch = 0; epoch < 3; epoch++) {
      List<int[]> x = a.batchIndices(epoch);
      List<int[]> y = b.batchIndices(epoch);
      for (int i = 0; i < x.size(); i++) {
        assertArrayEquals(x.get(i), y.get(i));
      }
    }
    assertFalse(
        Arrays.equals(a.batchIndices(0).get(0), a.batchIndices(1).get(0)), "epochs share an order");
    assertFalse(
        Arrays.equals(
            a.batchIndices(0).get(0), loader(100, 7, true, 43, false).batchIndices(0).get(0)));
    // a fixed value, so a change to the shuffle (which would break resuming old runs) is noticed
    assertArrayEquals(new int[] {83, 42, 93, 7, 67, 76, 52}, a.batchIndices(0).get(0));
  }

  @Test
  void withoutShuffleTheOrderIsTheDatasetsAndTheLastBatchIsKept() {
    DataLoader<Integer, int[]> loader = loader(10, 4, false, 0, false);
    List<int[]> batches = new ArrayList<>();
    loader.epoch(0).forEach(batches::add);
    assertEquals(3, batches.size());
    assertArrayEquals(new int[] {0, 1, 2, 3}, batches.get(0));
    assertArrayEquals(new int[] {8, 9}, batches.get(2));
    assertEquals(2, loader(10, 4, false, 0, true).batchesPerEpoch());
  }

  @Test
  void resumingAnEpochYieldsItsRemainingBatches() {
    DataLoader<Integer, int[]> loader = loader(50, 6, true, 9, true);
    List<int[]> all = new ArrayList<>();
    loader.epoch(2).forEach(all::add);
    List<int[]> rest = new ArrayList<>();
    loader.epoch(2, 5).forEach(rest::add);
    assertEquals(all.size() - 5, rest.size());
    for (int i = 0; i < rest.size(); i++) {
      assertArrayEquals(all.get(5 + i), rest.get(i));
      assertArrayEquals(all.get(5 + i), loader.batch(2, 5 + i));
    }
  }

  @Test
  void defaultCollateStacksInputsAndGathersLabels() {
    Tensor x = Tensor.arange(12).reshape(6, 2);
    int[] labels = {0, 1, 2, 0, 1, 2};
    DataLoader<Example, Batch> loader =
        DataLoader.builder(Dataset.ofRows(x, labels)).batchSize(4).build();
    Batch first = loader.batch(0, 0);
    assertArrayEquals(new int[] {4, 2}, first.inputs().shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, first.inputs().toFloatArray());
    assertArrayEquals(new int[] {0, 1, 2, 0}, first.labels());
    Batch last = loader.batch(0, 1);
    assertEquals(2, last.size());
    assertArrayEquals(new int[] {1, 2}, last.labels());
  }

  @Test
  void bucketingGroupsSimilarLengthsAndStillCoversEveryExample() {
    Dataset<int[]> sequences = Dataset.fromFunction(64, i -> new int[1 + (i * 37) % 30]);
    DataLoader<int[], List<int[]>> loader =
        DataLoader.builder(sequences, (List<int[]> l) -> l)
            .batchSize(8)
            .shuffle(5)
            .bucketBy(s -> s.length, 4)
            .build();
    int padded = 0;
    int real = 0;
    List<Integer> lengths = new ArrayList<>();
    for (List<int[]> batch : loader.epoch(0)) {
      int max = batch.stream().mapToInt(s -> s.length).max().getAsInt();
      for (int[] s : batch) {
        padded += max;
        real += s.length;
        lengths.add(s.length);
      }
    }
    assertEquals(64, lengths.size());
    assertEquals(IntStream.range(0, 64).map(i -> 1 + (i * 37) % 30).sum(), real);
    // unbucketed, random batches of 8 pad to nearly the longest length of all
    int unbucketed = 0;
    for (List<int[]> batch :
        DataLoader.builder(sequences, (List<int[]> l) -> l)
            .batchSize(8)
            .shuffle(5)
            .build()
            .epoch(0)) {
      unbucketed += batch.size() * batch.stream().mapToInt(s -> s.length).max().getAsInt();
    }
    assertTrue(
        padded < 0.8 * unbucketed, "bucketed padding " + padded + " vs unbucketed " + unbucketed);
    assertEquals(loader.batchesPerEpoch(), loader.batchIndices(1).size());
  }

  @Test
  void badConfigurationsAreRejectedWithTheirValues() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DataLoader.builder(numbers(3), l -> l).batchSize(0));
    assertTrue(e.getMessage().contains("batchSize must be >= 1, got 0"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DataLoader.builder(numbers(3), l -> l).batchSize(4).dropLast(true).build());
    assertTrue(e.getMessage().contains("leaves no batch"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> loader(10, 3, false, 0, false).batch(0, 4));
    assertThrows(IllegalArgumentException.class, () -> loader(10, 3, false, 0, false).epoch(-1));
    Dataset<Example> mixed =
        Dataset.of(List.of(new Example(Tensor.zeros(2), 0), new Example(Tensor.zeros(3), 1)));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DataLoader.builder(mixed).batchSize(2).build().batch(0, 0));
    assertTrue(
        e.getMessage().contains("example 1 has input [3] but example 0 has [2]"), e.getMessage());
  }
}
