package dev.tapegrad.spark;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The models (and optimizers) an executor JVM has built, pooled per broadcast: a task borrows one,
 * uses it alone, and returns it, so each task slot builds a model once per training run or
 * prediction, not once per step or partition.
 *
 * <p>Keyed by the id of the broadcast that carries the factory (unique within a Spark application).
 * Only the most recent few keys are kept, so a long-lived executor that serves many runs does not
 * keep every model it ever built.
 */
final class ExecutorCache {
  private static final int KEPT_KEYS = 4;

  private static final LinkedHashMap<Long, ArrayDeque<Object>> POOLS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ArrayDeque<Object>> eldest) {
          return size() > KEPT_KEYS;
        }
      };

  private ExecutorCache() {}

  /**
   * An idle cached value for {@code key}, or a new one from {@code build}; give it back with {@link
   * #release}.
   */
  @SuppressWarnings("unchecked")
  static <T> T borrow(long key, Supplier<T> build) {
    synchronized (POOLS) {
      ArrayDeque<Object> pool = POOLS.get(key);
      if (pool != null && !pool.isEmpty()) {
        return (T) pool.pop();
      }
    }
    return build.get();
  }

  /** Returns a borrowed value to the pool of {@code key}. */
  static void release(long key, Object value) {
    synchronized (POOLS) {
      POOLS.computeIfAbsent(key, k -> new ArrayDeque<>()).push(value);
    }
  }

  /** Forgets the pool of {@code key} (the driver calls it on close; executors let keys age out). */
  static void forget(long key) {
    synchronized (POOLS) {
      POOLS.remove(key);
    }
  }
}
