package dev.tapegrad.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * The training examples as the trainers use them: an RDD kept in memory (it is read once per step)
 * and the number of examples in each partition, counted once.
 */
final class TrainingData<E> {
  final JavaRDD<E> rdd;
  final JavaSparkContext sc;
  final long[] sizes;
  private final boolean persisted;

  TrainingData(JavaRDD<E> rdd) {
    this.rdd = rdd;
    this.sc = JavaSparkContext.fromSparkContext(rdd.context());
    this.persisted = rdd.getStorageLevel().equals(StorageLevel.NONE());
    if (persisted) {
      rdd.persist(StorageLevel.MEMORY_ONLY());
    }
    sc.setJobDescription("tapegrad: count the examples of each partition");
    List<long[]> counts =
        rdd.mapPartitionsWithIndex(
                (partition, it) -> {
                  long n = 0;
                  for (; it.hasNext(); it.next()) {
                    n++;
                  }
                  return Collections.singletonList(new long[] {partition, n}).iterator();
                },
                false)
            .collect();
    sizes = new long[rdd.getNumPartitions()];
    for (long[] c : counts) {
      sizes[(int) c[0]] = c[1];
    }
  }

  /** Unpersists the RDD if this object persisted it. */
  void release() {
    if (persisted) {
      rdd.unpersist(false);
    }
  }

  /** The partition's examples at the given positions, in that order. */
  static <E> List<E> pick(Iterator<E> partition, int[] positions) {
    List<E> all = new ArrayList<>();
    partition.forEachRemaining(all::add);
    List<E> out = new ArrayList<>(positions.length);
    for (int i : positions) {
      out.add(all.get(i));
    }
    return out;
  }
}
