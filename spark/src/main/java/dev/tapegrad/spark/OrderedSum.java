package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums one contribution per partition along a fixed binary tree over the partition indices, so the
 * float rounding of the sum does not depend on the order in which Spark's {@code treeAggregate}
 * happens to combine the partial results (task completion and shuffle order).
 *
 * <p>The value of a tree node is always {@code left + right} of its two children, whichever arrives
 * first; a node whose right child lies past the last partition is its left child. Partial sums that
 * are not yet siblings wait in the map. So the total is a fixed function of the contributions, bit
 * for bit, for a given number of partitions, and retried or speculative tasks (which recompute the
 * same contribution) change nothing.
 *
 * <p>Each node carries a float vector (null for zero), a loss and an example count, the largest
 * fetch and compute times of its leaves, and the {@code first} payload of its lowest-indexed leaf
 * (for values every partition computes alike, such as optimizer step counts). Used as a mutable
 * accumulator: {@link #add} and {@link #merge} change and return {@code this}, as Spark's aggregate
 * functions may.
 */
final class OrderedSum implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A partial sum over the leaves {@code [index << level, (index + 1) << level)}. */
  static final class Node implements Serializable {
    private static final long serialVersionUID = 1L;
    transient float[] values;
    double loss;
    long examples;
    int leaves;

    /** How many leaves sent a vector (an empty partition sends none). */
    int contributing;

    long fetchNanos;
    long computeNanos;
    Serializable first;

    Node(
        float[] values,
        double loss,
        long examples,
        long fetchNanos,
        long computeNanos,
        Serializable first) {
      this.values = values;
      this.loss = loss;
      this.examples = examples;
      this.leaves = 1;
      this.contributing = values == null ? 0 : 1;
      this.fetchNanos = fetchNanos;
      this.computeNanos = computeNanos;
      this.first = first;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      Floats.write(out, values);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      values = Floats.read(in);
    }
  }

  private final int partitions;
  private final int top;
  private final TreeMap<Long, Node> pending = new TreeMap<>();
  private long mergeNanos;

  OrderedSum(int partitions) {
    checkArgument(partitions > 0, "spark: an RDD with no partitions");
    this.partitions = partitions;
    this.top = 32 - Integer.numberOfLeadingZeros(partitions - 1);
  }

  /** Adds partition {@code partition}'s contribution; returns this. */
  OrderedSum add(int partition, Node leaf) {
    checkArgument(
        partition >= 0 && partition < partitions,
        "spark: partition %s of %s",
        partition,
        partitions);
    long start = System.nanoTime();
    insert(0, partition, leaf);
    mergeNanos += System.nanoTime() - start;
    return this;
  }

  /** Adds every partial sum of {@code other} (over other partitions); returns this. */
  OrderedSum merge(OrderedSum other) {
    checkArgument(
        other.partitions == partitions,
        "spark: sums over %s and %s partitions",
        partitions,
        other.partitions);
    long start = System.nanoTime();
    for (Map.Entry<Long, Node> e : other.pending.entrySet()) {
      insert((int) (e.getKey() >>> 32), (int) (long) e.getKey(), e.getValue());
    }
    mergeNanos += other.mergeNanos + System.nanoTime() - start;
    return this;
  }

  private void insert(int level, int index, Node node) {
    while (level < top) {
      int sibling = index ^ 1;
      if ((long) sibling << level >= partitions) {
        // the sibling's leaves lie past the last partition: this node is its parent
      } else {
        Node other = pending.remove(key(level, sibling));
        if (other == null) {
          checkState(
              pending.put(key(level, index), node) == null,
              "spark: partition contribution added twice");
          return;
        }
        node = (index & 1) == 0 ? combine(node, other) : combine(other, node);
      }
      level++;
      index >>= 1;
    }
    checkState(
        pending.put(key(level, index), node) == null, "spark: partition contribution added twice");
  }

  private static long key(int level, int index) {
    return ((long) level << 32) | index;
  }

  private static Node combine(Node left, Node right) {
    if (left.values == null) {
      left.values = right.values;
    } else if (right.values != null) {
      float[] a = left.values;
      float[] b = right.values;
      checkState(
          a.length == b.length,
          "spark: partitions sent vectors of %s and %s values",
          a.length,
          b.length);
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
    }
    left.loss += right.loss;
    left.examples += right.examples;
    left.leaves += right.leaves;
    left.contributing += right.contributing;
    left.fetchNanos = Math.max(left.fetchNanos, right.fetchNanos);
    left.computeNanos = Math.max(left.computeNanos, right.computeNanos);
    if (left.first == null) {
      left.first = right.first;
    }
    return left;
  }

  /** The sum over all partitions. */
  Node total() {
    Node root = pending.get(key(top, 0));
    checkState(
        pending.size() == 1 && root != null && root.leaves == partitions,
        "spark: %s of %s partitions contributed",
        pending.values().stream().mapToInt(n -> n.leaves).sum(),
        partitions);
    return root;
  }

  /** Time spent adding contributions, summed over every JVM that took part. */
  long mergeNanos() {
    return mergeNanos;
  }
}
