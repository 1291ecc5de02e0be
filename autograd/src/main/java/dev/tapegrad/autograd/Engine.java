package dev.tapegrad.autograd;

import it.unimi.dsi.fastutil.Hash;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import it.unimi.dsi.fastutil.objects.Object2ObjectOpenCustomHashMap;
import it.unimi.dsi.fastutil.objects.ObjectOpenCustomHashSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse-mode engine: walks the nodes reachable from the outputs in decreasing sequence number
 * (the tape, backwards), accumulating gradients in a map keyed by node.
 *
 * <p>Decisions:
 *
 * <ul>
 *   <li>Iterative: reachability is a breadth-first loop over a list, the walk is a loop over that
 *       list sorted; graphs of any depth are fine.
 *   <li>Deterministic: contributions to a tensor's gradient are summed in tape order.
 *   <li>Pending gradients are keyed by the node's sequence number, which is unique.
 *   <li>Without {@code createGraph}, a gradient that receives several contributions is summed into
 *       a tensor the walk made and owns, in place, and a narrow adds its slice into it instead of a
 *       full-size zero tensor: the same float additions in the same order.
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
    // keyed by sequence number, not by node: a node's identity hash would be computed (a call into
    // the VM) for every node of every graph, once each
    Long2ObjectOpenHashMap<Tensor> nodeGrads = new Long2ObjectOpenHashMap<>();
    Object2ObjectOpenCustomHashMap<Tensor, Tensor> leafGrads = identityMap();
    // leaves whose pending gradient is a sum this walk made, which later contributions may add to
    // in place; never under createGraph, where the sums are recorded
    ObjectOpenCustomHashSet<Tensor> ownedSums =
        createGraph ? null : new ObjectOpenCustomHashSet<>(IDENTITY);
    LongOpenHashSet ownedNodeSums = createGraph ? null : new LongOpenHashSet();
    Long2ObjectOpenHashMap<Tensor> targetNodes = null;
    if (targets != null) {
      targetNodes = new Long2ObjectOpenHashMap<>();
      for (Tensor t : targets) {
        if (t.gradFn() != null) {
          targetNodes.put(t.gradFn().sequence, t);
        }
      }
    }
    Object2ObjectOpenCustomHashMap<Tensor, Tensor> targetGrads = identityMap();

    // one needs-array per arity, reused from node to node: a backward reads it during its call only
    boolean[][] needsByArity = new boolean[4][];
    try (Autograd.GradMode mode = Autograd.setGradEnabled(createGraph)) {
      for (int i = 0; i < outputs.length; i++) {
        Tensor out = outputs[i];
        Tensor g = gradOutputs[i];
        if (out.gradFn() != null) {
          nodeGrads.merge(out.gradFn().sequence, g, Tensor::add);
        } else if (out.requiresGrad()) {
          leafGrads.merge(out, g, Tensor::add);
        }
      }
      for (Node node : order) {
        Tensor g = nodeGrads.remove(node.sequence);
        if (g == null) {
          continue;
        }
        Tensor target = targetNodes == null ? null : targetNodes.get(node.sequence);
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
        boolean[] needs = needsArray(needsByArity, inputs.length);
        for (int k = 0; k < inputs.length; k++) {
          needs[k] = inputs[k] != null && inputs[k].requiresGrad();
        }
        if (ownedSums != null
            && needs[0]
            && node.backward instanceof ShapeOps.NarrowBackward
            && !Autograd.anomalyDetection()) {
          addSlice(
              (ShapeOps.NarrowBackward) node.backward,
              g,
              inputs[0],
              nodeGrads,
              leafGrads,
              ownedNodeSums,
              ownedSums);
          if (!retainGraph) {
            node.release();
          }
          continue;
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
            addToNode(nodeGrads, ownedNodeSums, input.gradFn().sequence, gk);
          } else {
            addToLeaf(leafGrads, ownedSums, input, gk);
          }
        }
      }
    }

    if (targets == null) {
      for (var e : leafGrads.object2ObjectEntrySet()) {
        Tensor leaf = e.getKey();
        leaf.accumulateGrad(
            e.getValue(), createGraph, ownedSums != null && ownedSums.contains(leaf));
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

  private static boolean[] needsArray(boolean[][] byArity, int arity) {
    if (arity >= byArity.length) {
      return new boolean[arity];
    }
    boolean[] needs = byArity[arity];
    if (needs == null) {
      needs = byArity[arity] = new boolean[arity];
    }
    return needs;
  }

  /** As {@link #addToLeaf}, for the pending gradient of a node's output. */
  private static void addToNode(
      Long2ObjectOpenHashMap<Tensor> nodeGrads, LongOpenHashSet owned, long sequence, Tensor g) {
    Tensor sum = nodeGrads.get(sequence);
    if (sum == null) {
      nodeGrads.put(sequence, g);
    } else if (owned != null && owned.contains(sequence)) {
      Binary.addInto(sum.data, g.data, sum.numel());
    } else {
      nodeGrads.put(sequence, sum.add(g));
      if (owned != null) {
        owned.add(sequence);
      }
    }
  }

  /**
   * Adds the gradient of a narrow's output into the slice of its input's pending gradient, which
   * becomes (or already is) a sum this walk owns. Outside the slice nothing is added, where the
   * composed backward adds zeros: the same values, except that a -0 stays -0 there.
   */
  private static void addSlice(
      ShapeOps.NarrowBackward narrow,
      Tensor g,
      Tensor input,
      Long2ObjectOpenHashMap<Tensor> nodeGrads,
      Object2ObjectOpenCustomHashMap<Tensor, Tensor> leafGrads,
      LongOpenHashSet ownedNodeSums,
      ObjectOpenCustomHashSet<Tensor> ownedSums) {
    Node producer = input.gradFn();
    Tensor sum = producer != null ? nodeGrads.get(producer.sequence) : leafGrads.get(input);
    boolean owned =
        sum != null
            && (producer != null
                ? ownedNodeSums.contains(producer.sequence)
                : ownedSums.contains(input));
    if (!owned) {
      float[] base = sum == null ? new float[input.numel()] : sum.toFloatArray();
      sum = new Tensor(base, input.shapeRef());
      if (producer != null) {
        nodeGrads.put(producer.sequence, sum);
        ownedNodeSums.add(producer.sequence);
      } else {
        leafGrads.put(input, sum);
        ownedSums.add(input);
      }
    }
    narrow.addSlice(g, sum.data);
  }

  /**
   * Adds a gradient contribution to a leaf's pending sum, as {@code sum.add(g)} would: the first
   * contribution is kept as is, the second makes a new sum that this walk owns, and later ones are
   * added into that sum in place (the same float additions, without a new tensor each).
   */
  private static void addToLeaf(
      Object2ObjectOpenCustomHashMap<Tensor, Tensor> leafGrads,
      ObjectOpenCustomHashSet<Tensor> ownedSums,
      Tensor leaf,
      Tensor g) {
    Tensor sum = leafGrads.get(leaf);
    if (sum == null) {
      leafGrads.put(leaf, g);
    } else if (ownedSums != null && ownedSums.contains(leaf)) {
      Binary.addInto(sum.data, g.data, sum.numel());
    } else {
      leafGrads.put(leaf, sum.add(g));
      if (ownedSums != null) {
        ownedSums.add(leaf);
      }
    }
  }

  /** Numbers the walks, so that a node can record which walk last reached it. */
  private static final AtomicLong WALKS = new AtomicLong();

  /**
   * Nodes reachable from the outputs, sorted by decreasing sequence number. Each node is marked
   * with the walk's number instead of being put in a set; should two walks of a shared graph
   * overwrite each other's marks, a node is listed twice, which {@link #run} skips (its gradient is
   * taken on the first visit), never missed.
   */
  private static List<Node> reachable(Tensor[] outputs) {
    long walk = WALKS.incrementAndGet();
    ArrayList<Node> order = new ArrayList<>(64);
    for (Tensor out : outputs) {
      Node node = out.gradFn();
      if (node != null && node.walk != walk) {
        node.walk = walk;
        order.add(node);
      }
    }
    // the list doubles as the stack of nodes whose inputs are still to be looked at
    for (int next = 0; next < order.size(); next++) {
      for (Tensor input : order.get(next).inputs) {
        Node node = input == null ? null : input.gradFn();
        if (node != null && node.walk != walk) {
          node.walk = walk;
          order.add(node);
        }
      }
    }
    order.sort(DECREASING_SEQUENCE);
    return order;
  }

  private static final Comparator<Node> DECREASING_SEQUENCE =
      (x, y) -> Long.compare(y.sequence, x.sequence);
}
