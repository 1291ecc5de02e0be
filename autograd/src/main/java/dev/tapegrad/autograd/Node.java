package dev.tapegrad.autograd;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One recorded operation on the tape: the op's name, its inputs and the function that sends a
 * gradient of its output back to them.
 *
 * <p>Every node takes a sequence number when it is recorded. Recording order is a topological order
 * of the graph, so the engine walks reachable nodes by decreasing sequence number: the tape read
 * backwards, with no recursion. Reachability marks each node with the number of the walk that found
 * it ({@link #walk}) rather than keeping a visited set.
 */
final class Node {
  private static final AtomicLong SEQUENCE = new AtomicLong();
  private static final Tensor[] NO_INPUTS = new Tensor[0];

  final String op;

  /** Emptied on release, so that a kept output does not keep its graph's tensors alive. */
  Tensor[] inputs;

  final long sequence;

  /**
   * The inputs' versions when recorded (see {@link #checkVersions}): the first two in fields, the
   * rest, for ops with more inputs, in an array, so most nodes allocate none.
   */
  private final int version0;

  private final int version1;
  private final int[] moreVersions;

  /**
   * {@link Tensor#IN_PLACE_CHANGES} when recorded: while it is unchanged, no input can be stale.
   */
  private final int inPlaceChanges;

  final int[] outputShape;

  /** Null once released by a backward pass without {@code retainGraph}. */
  Backward backward;

  /** The number of the last backward walk that reached this node; see {@code Engine}. */
  long walk;

  private Node(String op, Tensor[] inputs, int[] outputShape, Backward backward) {
    this.op = op;
    this.inputs = inputs;
    this.inPlaceChanges = Tensor.IN_PLACE_CHANGES.get();
    this.version0 = inputs.length > 0 ? versionOf(inputs[0]) : 0;
    this.version1 = inputs.length > 1 ? versionOf(inputs[1]) : 0;
    if (inputs.length > 2) {
      moreVersions = new int[inputs.length - 2];
      for (int i = 2; i < inputs.length; i++) {
        moreVersions[i - 2] = versionOf(inputs[i]);
      }
    } else {
      moreVersions = null;
    }
    this.outputShape = outputShape;
    this.backward = backward;
    this.sequence = SEQUENCE.incrementAndGet();
  }

  /**
   * Records {@code output = op(inputs)} on the tape when grad mode is on and some input requires
   * grad; otherwise does nothing. Returns {@code output} for chaining.
   */
  static Tensor record(String op, Tensor output, Backward backward, Tensor... inputs) {
    Profiler.countOp(op);
    if (Trace.active()) Trace.record(op, output, inputs);
    if (Autograd.anomalyDetection()) {
      Anomaly.checkForward(op, output, inputs);
    }
    if (!Autograd.isGradEnabled()) {
      return output;
    }
    boolean any = false;
    for (Tensor input : inputs) {
      if (input != null && input.requiresGrad()) {
        any = true;
        break;
      }
    }
    if (!any) {
      return output;
    }
    output.attach(new Node(op, inputs, output.shapeRef(), backward));
    Profiler.countRecorded();
    return output;
  }

  /**
   * Fails if an input was changed in place since this node was recorded: its backward would
   * silently use the new values (PyTorch raises the same error).
   */
  private static int versionOf(Tensor t) {
    return t == null ? 0 : t.version();
  }

  private int recordedVersion(int i) {
    return i == 0 ? version0 : i == 1 ? version1 : moreVersions[i - 2];
  }

  void checkVersions() {
    if (Tensor.IN_PLACE_CHANGES.get() == inPlaceChanges) {
      return;
    }
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i] != null && inputs[i].version() != recordedVersion(i)) {
        throw new IllegalStateException(
            String.format(
                "backward: input %d %s of '%s' was modified in place after it was used; "
                    + "compute the forward again after changing it",
                i, Shapes.format(inputs[i].shapeRef()), op));
      }
    }
  }

  boolean released() {
    return backward == null;
  }

  /**
   * Frees what only a backward pass needs: the backward function with the tensors it saved, and the
   * inputs. A kept output (a logged loss) then holds one node, not its step's activations.
   */
  void release() {
    backward = null;
    inputs = NO_INPUTS;
  }

  @Override
  public String toString() {
    return op + "#" + sequence;
  }
}
