package dev.tapegrad.autograd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A recording of the ops one forward pass runs, for exporters such as ONNX's: each op with its
 * inputs, outputs, attributes (dims, permutations, scalar constants) and the place in the caller's
 * code that ran it, whether or not grad mode is on.
 *
 * <p>Tracing is per thread and off by default. The op families report to it through {@link
 * #active()}, which costs one read of a static field while no thread traces, so the tape's hot path
 * pays nothing else. An op reports its attributes with {@link #next} just before it records itself;
 * a layer that exports as one op (a fused recurrent layer, an embedding) reports itself with {@link
 * #composite}, which hides the ops it runs inside.
 *
 * <pre>{@code
 * try (Trace trace = Trace.start()) {
 *   Tensor y = model.forward(x);
 *   for (Trace.Op op : trace.ops()) { ... }
 * }
 * }</pre>
 *
 * <p>Internal to tapegrad's exporters: the op names and attribute keys are those of the op families
 * and may change with them.
 */
public final class Trace implements AutoCloseable {
  /**
   * The number of threads tracing now; {@link #active()} reads it first. Not volatile: a tracing
   * thread always sees its own update, and another thread that sees a stale count only looks up its
   * own (absent) trace, so the hot path pays a plain read.
   */
  private static int tracing;

  private static final ThreadLocal<Trace> CURRENT = new ThreadLocal<>();

  private static final String AUTOGRAD = Trace.class.getPackageName() + ".";

  /** The classes that run ops; a call site is the first frame outside them. */
  private static final java.util.Set<String> MACHINERY =
      java.util.Set.of(
          "Tensor",
          "Node",
          "Trace",
          "Pointwise",
          "Binary",
          "Indexing",
          "ShapeOps",
          "LinearAlgebra",
          "Reductions",
          "Functional",
          "Function",
          "Shapes",
          "Autograd",
          "Engine",
          "Profiler",
          "Anomaly");

  /**
   * One recorded op.
   *
   * @param name the op's name on the tape ({@code "add"}, {@code "matmul"}, ...) or a composite's
   * @param inputs its tensor inputs, in order (null for an absent optional input)
   * @param outputs its outputs (one but for composites)
   * @param attributes what else it was called with, by name
   * @param site the first caller outside autograd, where the op was recorded (may be null)
   */
  public record Op(
      String name,
      List<Tensor> inputs,
      List<Tensor> outputs,
      Map<String, Object> attributes,
      StackTraceElement site) {
    /** The attribute {@code key}, or null. */
    public Object attribute(String key) {
      return attributes.get(key);
    }

    /** The single output (composites have several). */
    public Tensor output() {
      return outputs.get(0);
    }

    @Override
    public String toString() {
      return "'" + name + "'" + (site == null ? "" : " at " + site);
    }
  }

  private final List<Op> ops = new ArrayList<>();
  private final Trace previous;
  private Object[] pending;
  private int hidden;
  private boolean closed;

  private Trace(Trace previous) {
    this.previous = previous;
  }

  /** Starts tracing on this thread until the returned trace is closed. */
  public static Trace start() {
    Trace trace = new Trace(CURRENT.get());
    CURRENT.set(trace);
    synchronized (Trace.class) {
      tracing++;
    }
    return trace;
  }

  /** Stops tracing on this thread (restoring an enclosing trace, if any). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CURRENT.set(previous);
    synchronized (Trace.class) {
      tracing--;
    }
  }

  /** The ops recorded so far, in order. */
  public List<Op> ops() {
    return Collections.unmodifiableList(ops);
  }

  /** Whether this thread is tracing now, outside any composite: the op families' one check. */
  public static boolean active() {
    if (tracing == 0) {
      return false;
    }
    Trace t = CURRENT.get();
    return t != null && t.hidden == 0;
  }

  /** Attributes ({@code key, value, key, value, ...}) of the next op this thread records. */
  public static void next(Object... keysAndValues) {
    Trace t = CURRENT.get();
    if (t != null && t.hidden == 0) {
      t.pending = keysAndValues;
    }
  }

  /** Called by the tape for every op it sees while tracing. */
  static void record(String op, Tensor output, Tensor[] inputs) {
    Trace t = CURRENT.get();
    Object[] attrs = t.pending;
    t.pending = null;
    t.ops.add(new Op(op, Arrays.asList(inputs.clone()), List.of(output), map(attrs), site()));
  }

  /**
   * Returns {@code out}, which shares {@code in}'s values without an op (a detached view), and
   * traces it as an identity so that an exporter follows the values through it.
   */
  static Tensor alias(Tensor out, Tensor in) {
    if (active()) {
      record("alias", out, new Tensor[] {in});
    }
    return out;
  }

  /**
   * Returns {@code out}, the result of a non-differentiable op (a comparison, argmax), and traces
   * it as {@code op(inputs)} so that an exporter follows the values through it. Attributes, if any,
   * follow the inputs as keys and values.
   */
  static Tensor constant(String op, Tensor out, Object... inputsThenAttributes) {
    if (active()) {
      int n = 0;
      while (n < inputsThenAttributes.length && inputsThenAttributes[n] instanceof Tensor) {
        n++;
      }
      Tensor[] inputs = new Tensor[n];
      System.arraycopy(inputsThenAttributes, 0, inputs, 0, n);
      CURRENT.get().pending =
          java.util.Arrays.copyOfRange(inputsThenAttributes, n, inputsThenAttributes.length);
      record(op, out, inputs);
    }
    return out;
  }

  /**
   * Runs {@code body} as one traced op named {@code name}: nothing inside it is traced, and the
   * op's outputs are what {@code outputs} picks from the result. Outside tracing it just runs
   * {@code body}.
   */
  public static <T> T composite(
      String name,
      Map<String, Object> attributes,
      List<Tensor> inputs,
      Supplier<T> body,
      Function<T, List<Tensor>> outputs) {
    Trace t = CURRENT.get();
    if (t == null || t.hidden > 0) {
      return body.get();
    }
    StackTraceElement site = site();
    t.pending = null;
    T result;
    t.hidden++;
    try {
      result = body.get();
    } finally {
      t.hidden--;
    }
    t.ops.add(
        new Op(
            name,
            Collections.unmodifiableList(new ArrayList<>(inputs)),
            Collections.unmodifiableList(new ArrayList<>(outputs.apply(result))),
            Collections.unmodifiableMap(new LinkedHashMap<>(attributes)),
            site));
    return result;
  }

  /** A scope that ends when closed. */
  @FunctionalInterface
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** A scope inside which nothing is traced (a custom function's own forward). */
  static Scope hide() {
    Trace t = CURRENT.get();
    if (t == null) {
      return () -> {};
    }
    t.hidden++;
    return () -> t.hidden--;
  }

  private static Map<String, Object> map(Object[] keysAndValues) {
    if (keysAndValues == null) {
      return Map.of();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * The first frame outside the op machinery (and outside nn's layer reporting): where the user's
   * (or a layer's) code ran the op.
   */
  private static StackTraceElement site() {
    for (StackTraceElement e : new Throwable().getStackTrace()) {
      String c = e.getClassName();
      int nested = c.indexOf('$');
      String outer = nested < 0 ? c : c.substring(0, nested);
      boolean machinery =
          outer.startsWith(AUTOGRAD) && MACHINERY.contains(outer.substring(AUTOGRAD.length()));
      if (!machinery && !outer.endsWith(".LayerTrace")) {
        return e;
      }
    }
    return null;
  }
}
