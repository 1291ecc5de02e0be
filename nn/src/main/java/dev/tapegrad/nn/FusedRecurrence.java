package dev.tapegrad.nn;

/**
 * Whether the recurrent cells and layers run fused, the default, or as composed autograd ops; per
 * thread, like grad mode. PyTorch's {@code torch.backends.cudnn.flags(enabled=False)} plays the
 * same role.
 *
 * <p>Fused, every cell step is one tape node, and every layer and direction of {@link Rnn}, {@link
 * Lstm} and {@link Gru} one node for all its steps, with a hand-written backward on the kernels.
 * Composed, each step records its matrix products, gate nonlinearities and state update as separate
 * ops, whose backward the tape derives. Both give the same values and gradients to float rounding
 * (the tests hold them to 1e-5 relative). The composed ops are slower; they are the reference, and
 * what a fused node records when a graph of its backward is requested ({@code Autograd.grad(...,
 * createGraph = true)}), so second derivatives work either way. Turn fusion off to see the per-step
 * graph, say in {@code Profiler}'s op counts, or to compare.
 *
 * <pre>{@code
 * try (var composed = FusedRecurrence.disable()) {
 *   RnnOutput reference = lstm.forward(x);
 * }
 * }</pre>
 */
public final class FusedRecurrence {
  private static final ThreadLocal<boolean[]> ENABLED =
      ThreadLocal.withInitial(() -> new boolean[] {true});

  private FusedRecurrence() {}

  /** A scope that restores the previous setting when closed. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Runs the recurrent family as composed ops on this thread until the scope is closed. */
  public static Scope disable() {
    boolean[] flag = ENABLED.get();
    boolean previous = flag[0];
    flag[0] = false;
    return () -> flag[0] = previous;
  }

  /** Whether cells and layers run fused on this thread (true unless inside {@link #disable()}). */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }
}
