package dev.tapegrad.autograd;

import it.unimi.dsi.fastutil.Hash;
import it.unimi.dsi.fastutil.objects.Object2ObjectOpenCustomHashMap;
import it.unimi.dsi.fastutil.objects.ObjectOpenCustomHashSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Reverse-mode engine: walks the nodes reachable from the outputs in decreasing sequence number
 * (the tape, backwards), accumulating gradients in a map keyed by node.
 *
 * <p>Decisions:
 * <ul>
 *   <li>Iterative: reachability is a loop over an explicit stack, the walk is a loop over a sorted
 *       list; graphs of any depth are fine.
 *   <li>Deterministic: contributions to a tensor's gradient are summed in tape order.
 *   <li>Broadcasting is undone here, once, for every op: a gradient whose shape differs from its
 *       input's is summed back with {@link Tensor#sumToShape}.
 *   <li>Without {@code createGraph} the walk runs in no-grad mode, so nothing is recorded and the
 *       returned gradients are plain tensors.
 * </ul>
 */
final class Engine {
  private Engine() {}

  /**
   * Keys by identity, as fastutil's Reference maps would (fastutil-core has no Reference maps): a
   * node or tensor is its own key, whatever equals it may ever get.
   */
  private static final Hash.Strategy<Object> IDENTITY =
      new Hash.Strategy<>() {
        @Override
        public int hashCode(Object o) {
          return System.identityHashCode(o);
        }

        @Override
        public boolean equals(Object a, Object b) {
          return a == b;
        }
      };

  private static <K> Object2ObjectOpenCustomHashMap<K, Tensor> identityMap() {
    return new Object2ObjectOpenCustomHashMap<>(IDENTITY);
  }

  /**
   * Runs the backward pass.
   *
   * @param targets when non-null, gradients are collected for exactly these tensors and no leaf's
   *     {@code grad()} is touched ({@link Autograd#grad}); when null, gradients accumulate into
   *     leaves ({@link Tensor#backward})
   * @return gradients for {@code targets} (null entries for unreachable ones), or null
   */
  static Tensor[] run(
      Tensor[] outputs,
      Tensor[] gradOutputs,
      Tensor[] targets,
      boolean retainGraph,
      boolean createGraph) {
    List<Node> order = reachable(outputs);
    Object2ObjectOpenCustomHashMap<Node, Tensor> nodeGrads = identityMap();
    Object2ObjectOpenCustomHashMap<Tensor, Tensor> leafGrads = identityMap();
    Object2ObjectOpenCustomHashMap<Node, Tensor> targetNodes = identityMap();
    if (targets != null) {
      for (Tensor t : targets) {
        if (t.gradFn() != null) {
          targetNodes.put(t.gradFn(), t);
        }
      }
    }
    Object2ObjectOpenCustomHashMap<Tensor, Tensor> targetGrads = identityMap();

    try (Autograd.GradMode mode = Autograd.setGradEnabled(createGraph)) {
      for (int i = 0; i < outputs.length; i++) {
        Tensor out = outputs[i];
        Tensor g = gradOutputs[i];
        if (out.gradFn() != null) {
          nodeGrads.merge(out.gradFn(), g, Tensor::add);
        } else if (out.requiresGrad()) {
          leafGrads.merge(out, g, Tensor::add);
        }
      }
      for (Node node : order) {
        Tensor g = nodeGrads.remove(node);
        if (g == null) {
          continue;
        }
        Tensor target = targetNodes.get(node);
        if (target != null) {
          targetGrads.put(target, g);
        }
        if (node.released()) {
          throw new IllegalStateException(
              "backward: the graph through '"
                  + node.op
                  + "' was already walked and freed; pass retainGraph=true to the first backward"
                  + " call to walk it again");
        }
        node.checkVersions();
        Tensor[] inputs = node.inputs;
        boolean[] needs = new boolean[inputs.length];
        for (int k = 0; k < inputs.length; k++) {
          needs[k] = inputs[k] != null && inputs[k].requiresGrad();
        }
        Tensor[] grads =
            Autograd.anomalyDetection()
                ? Anomaly.runBackward(node.backward, g, needs)
                : node.backward.apply(g, needs);
        if (!retainGraph) {
          node.release();
        }
        for (int k = 0; k < inputs.length; k++) {
          if (!needs[k] || grads[k] == null) {
            continue;
          }
          Tensor input = inputs[k];
          Tensor gk = grads[k];
          if (!Arrays.equals(gk.shapeRef(), input.shapeRef())) {
            gk = gk.sumToShape(input.shapeRef());
          }
          if (Autograd.anomalyDetection()) {
            Anomaly.checkBackward(node.op, k, gk);
          }
          if (input.gradFn() != null) {
            nodeGrads.merge(input.gradFn(), gk, Tensor::add);
          } else {
            leafGrads.merge(input, gk, Tensor::add);
          }
        }
      }
    }

    if (targets == null) {
      for (var e : leafGrads.object2ObjectEntrySet()) {
        e.getKey().accumulateGrad(e.getValue(), createGraph);
      }
      return null;
    }
    Tensor[] result = new Tensor[targets.length];
    for (int i = 0; i < targets.length; i++) {
      Tensor t = targets[i];
      result[i] = t.gradFn() != null ? targetGrads.get(t) : leafGrads.get(t);
    }
    return result;
  }

  /** Nodes reachable from the outputs, sorted by decreasing sequence number. */
  private static List<Node> reachable(Tensor[] outputs) {
    ObjectOpenCustomHashSet<Node> seen = new ObjectOpenCustomHashSet<>(IDENTITY);
    ArrayDeque<Node> stack = new ArrayDeque<>();
    for (Tensor out : outputs) {
      if (out.gradFn() != null && seen.add(out.gradFn())) {
        stack.push(out.gradFn());
      }
    }
    List<Node> order = new ArrayList<>();
    while (!stack.isEmpty()) {
      Node node = stack.pop();
      order.add(node);
      for (Tensor input : node.inputs) {
        if (input != null && input.gradFn() != null && seen.add(input.gradFn())) {
          stack.push(input.gradFn());
        }
      }
    }
    order.sort(Comparator.comparingLong((Node n) -> n.sequence).reversed());
    return order;
  }
}
