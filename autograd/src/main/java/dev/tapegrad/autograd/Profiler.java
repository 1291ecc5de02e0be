package dev.tapegrad.autograd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the ops run on this thread within a scope, and the multiply-adds they perform.
 *
 * <pre>{@code
 * try (Profiler profiler = Profiler.start()) {
 *   model.forward(x);
 *   System.out.println(profiler.report());
 *   long macs = profiler.totalMultiplyAdds();
 * }
 * }</pre>
 *
 * <p>Every op is counted once per call, whether or not it is recorded on the tape, so a forward
 * pass under {@link Autograd#noGrad()} is profiled too; a backward pass inside the scope counts the
 * ops that compute the gradients. Multiply-adds are counted for the ops that multiply: {@code
 * m·n·k} for a matrix product, one per element for an elementwise product, and the length for a dot
 * product. Scopes nest: only the innermost open profiler of a thread counts.
 *
 * <p>Performance note: while no profiler is open anywhere, the cost per op is one read of a static
 * field.
 */
public final class Profiler implements AutoCloseable {
  private static final AtomicInteger OPEN = new AtomicInteger();
  private static final ThreadLocal<Profiler> CURRENT = new ThreadLocal<>();

  /** Totals for one op name. */
  public static final class OpStats {
    private long calls;
    private long multiplyAdds;

    /** How many times the op ran. */
    public long calls() {
      return calls;
    }

    /** The multiply-adds it performed in total. */
    public long multiplyAdds() {
      return multiplyAdds;
    }
  }

  private final Profiler previous;
  private final Map<String, OpStats> stats = new LinkedHashMap<>();
  private long recordedNodes;
  private boolean closed;

  private Profiler(Profiler previous) {
    this.previous = previous;
  }

  /** Opens a profiling scope on this thread. */
  public static Profiler start() {
    Profiler p = new Profiler(CURRENT.get());
    CURRENT.set(p);
    OPEN.incrementAndGet();
    return p;
  }

  static void countOp(String op) {
    if (OPEN.get() == 0) {
      return;
    }
    Profiler p = CURRENT.get();
    if (p != null) {
      p.stats.computeIfAbsent(op, k -> new OpStats()).calls++;
    }
  }

  static void countRecorded() {
    if (OPEN.get() == 0) {
      return;
    }
    Profiler p = CURRENT.get();
    if (p != null) {
      p.recordedNodes++;
    }
  }

  static void countMultiplyAdds(String op, long count) {
    if (OPEN.get() == 0) {
      return;
    }
    Profiler p = CURRENT.get();
    if (p != null) {
      p.stats.computeIfAbsent(op, k -> new OpStats()).multiplyAdds += count;
    }
  }

  /** Totals per op name, in order of first appearance. */
  public Map<String, OpStats> stats() {
    return Collections.unmodifiableMap(stats);
  }

  /** The number of ops run. */
  public long totalOps() {
    return stats.values().stream().mapToLong(OpStats::calls).sum();
  }

  /**
   * The number of nodes recorded on the tape: the ops that ran with grad mode on and an input that
   * requires grad. Zero for code that should not record, such as an optimizer step or an evaluation
   * loop under {@link Autograd#noGrad()}; each recorded node keeps its inputs alive until the graph
   * is released.
   */
  public long recordedNodes() {
    return recordedNodes;
  }

  /** The multiply-adds performed by all ops. */
  public long totalMultiplyAdds() {
    return stats.values().stream().mapToLong(OpStats::multiplyAdds).sum();
  }

  /** A table of calls and multiply-adds per op, busiest first. */
  public String report() {
    List<Map.Entry<String, OpStats>> rows = new ArrayList<>(stats.entrySet());
    rows.sort((a, b) -> Long.compare(b.getValue().multiplyAdds, a.getValue().multiplyAdds));
    StringBuilder sb =
        new StringBuilder(
            String.format(Locale.ROOT, "%-16s %10s %16s%n", "op", "calls", "multiply-adds"));
    for (var e : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-16s %10d %16d%n",
              e.getKey(),
              e.getValue().calls,
              e.getValue().multiplyAdds));
    }
    sb.append(
        String.format(Locale.ROOT, "%-16s %10d %16d", "total", totalOps(), totalMultiplyAdds()));
    return sb.toString();
  }

  /** Closes the scope; counting returns to the enclosing profiler, if any. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      OPEN.decrementAndGet();
      if (CURRENT.get() == this) {
        if (previous != null) {
          CURRENT.set(previous);
        } else {
          CURRENT.remove();
        }
      }
    }
  }
}
