package dev.tapegrad.onnx;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.onnx.Lowering.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * A traced recurrent layer as ONNX {@code RNN}, {@code LSTM} or {@code GRU} nodes, one per layer
 * and direction (direction {@code forward} or {@code reverse}), in layout 0 ({@code [T, B, ...]}).
 *
 * <p>Gate order: tapegrad keeps PyTorch's (LSTM i, f, g, o; GRU r, z, n); ONNX wants LSTM i, o, f,
 * c and GRU z, r, h, so the blocks of rows of every weight and bias are reordered. tapegrad's GRU
 * applies r to {@code h W_hnᵀ + b_hn}, which is ONNX's {@code linear_before_reset = 1}. The lengths
 * become {@code sequence_lens}: ONNX, like tapegrad, leaves a sequence's state unchanged and its
 * outputs zero past its length, and starts the reverse direction at its last step. Internal.
 */
final class RecurrentLowering {
  private RecurrentLowering() {}

  /** ONNX block {@code j} is tapegrad block {@code ORDER[j]}. */
  private static final int[] LSTM_ORDER = {0, 3, 1, 2};

  private static final int[] GRU_ORDER = {1, 0, 2};

  static void lower(Step s) {
    GraphBuilder g = s.g;
    String cell = (String) s.same("cell");
    int hidden = s.intAttr("hiddenSize");
    int layers = s.intAttr("numLayers");
    boolean bidirectional = (Boolean) s.same("bidirectional");
    boolean batchFirst = (Boolean) s.same("batchFirst");
    Tensor[][] weights = (Tensor[][]) s.a.attribute("weights");
    Tensor[][] weightsB = (Tensor[][]) s.b.attribute("weights");
    for (int k = 0; k < weights.length; k++) {
      for (int i = 0; i < 4; i++) {
        if (weights[k][i] != weightsB[k][i]) {
          throw s.fail("its weights differ between the two traces");
        }
      }
    }
    String lengths =
        s.low.lengthsOf((int[]) s.a.attribute("lengths"), (int[]) s.b.attribute("lengths"), s.a);
    int directions = bidirectional ? 2 : 1;
    String opType;
    int[] order;
    switch (cell) {
      case "LSTM" -> {
        opType = "LSTM";
        order = LSTM_ORDER;
      }
      case "GRU" -> {
        opType = "GRU";
        order = GRU_ORDER;
      }
      case "RNN_TANH", "RNN_RELU" -> {
        opType = "RNN";
        order = new int[] {0};
      }
      default -> throw s.fail("unknown cell " + cell);
    }
    boolean lstm = opType.equals("LSTM");
    boolean unbatched = s.inShapeA(0).length == 2;

    String x = s.in(0);
    if (unbatched) {
      x = g.op("Unsqueeze", "batched", new String[] {x, g.longs("axes", 1)});
    } else if (batchFirst) {
      x = g.unary("Transpose", x, "perm", new long[] {1, 0, 2});
    }
    String h0 = s.in(1);
    String c0 = s.in(2);
    if (unbatched) {
      h0 = h0 == null ? null : g.op("Unsqueeze", "h0", new String[] {h0, g.longs("axes", 1)});
      c0 = c0 == null ? null : g.op("Unsqueeze", "c0", new String[] {c0, g.longs("axes", 1)});
    }
    List<String> hN = new ArrayList<>();
    List<String> cN = new ArrayList<>();
    String layerInput = x;
    for (int layer = 0; layer < layers; layer++) {
      List<String> outs = new ArrayList<>();
      for (int d = 0; d < directions; d++) {
        int k = layer * directions + d;
        String suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
        Tensor[] w = weights[k];
        String wIh =
            g.floats("W" + suffix, reorder(w[0], order, hidden), 1, w[0].size(0), w[0].size(1));
        String wHh =
            g.floats("R" + suffix, reorder(w[1], order, hidden), 1, w[1].size(0), w[1].size(1));
        String bias = null;
        if (w[2] != null) {
          float[] bi = reorder(w[2], order, hidden);
          float[] bh = reorder(w[3], order, hidden);
          float[] both = new float[bi.length + bh.length];
          System.arraycopy(bi, 0, both, 0, bi.length);
          System.arraycopy(bh, 0, both, bi.length, bh.length);
          bias = g.floats("B" + suffix, both, 1, both.length);
        }
        String hInit = h0 == null ? null : slice(g, h0, k);
        String cInit = c0 == null ? null : slice(g, c0, k);
        String y = g.fresh("Y" + suffix);
        String yH = g.fresh("Y_h" + suffix);
        String yC = lstm ? g.fresh("Y_c" + suffix) : null;
        String[] inputs =
            lstm
                ? new String[] {layerInput, wIh, wHh, bias, lengths, hInit, cInit}
                : new String[] {layerInput, wIh, wHh, bias, lengths, hInit};
        String[] outputs = lstm ? new String[] {y, yH, yC} : new String[] {y, yH};
        String direction = d == 1 ? "reverse" : "forward";
        switch (opType) {
          case "LSTM" ->
              g.node(opType, inputs, outputs, "hidden_size", (long) hidden, "direction", direction);
          case "GRU" ->
              g.node(
                  opType,
                  inputs,
                  outputs,
                  "hidden_size",
                  (long) hidden,
                  "direction",
                  direction,
                  "linear_before_reset",
                  1L);
          default ->
              g.node(
                  opType,
                  inputs,
                  outputs,
                  "hidden_size",
                  (long) hidden,
                  "direction",
                  direction,
                  "activations",
                  new String[] {cell.equals("RNN_TANH") ? "Tanh" : "Relu"});
        }
        // Y is [T, 1, B, H]
        outs.add(g.op("Squeeze", "Y", new String[] {y, g.longs("axes", 1)}));
        hN.add(yH);
        if (lstm) {
          cN.add(yC);
        }
      }
      layerInput =
          outs.size() == 1
              ? outs.get(0)
              : g.op("Concat", "Y", outs.toArray(new String[0]), "axis", 2L);
    }
    String output = layerInput;
    if (unbatched) {
      output = g.op("Squeeze", "output", new String[] {output, g.longs("axes", 1)});
    } else if (batchFirst) {
      output = g.unary("Transpose", output, "perm", new long[] {1, 0, 2});
    }
    s.out(0, output);
    s.out(1, stack(g, hN, unbatched, "h_n"));
    if (lstm) {
      s.out(2, stack(g, cN, unbatched, "c_n"));
    }
  }

  /** Rows of {@code w} ({@code [G*H, ...]} or {@code [G*H]}) with gate blocks in ONNX's order. */
  private static float[] reorder(Tensor w, int[] order, int hidden) {
    float[] src = w.toFloatArray();
    int block = hidden * (w.dim() == 2 ? w.size(1) : 1);
    float[] out = new float[src.length];
    for (int j = 0; j < order.length; j++) {
      System.arraycopy(src, order[j] * block, out, j * block, block);
    }
    return out;
  }

  private static String slice(GraphBuilder g, String state, int k) {
    return g.op(
        "Slice",
        "state",
        new String[] {state, g.longs("starts", k), g.longs("ends", k + 1), g.longs("axes", 0)});
  }

  private static String stack(GraphBuilder g, List<String> states, boolean unbatched, String base) {
    String all =
        states.size() == 1
            ? g.op("Identity", base, new String[] {states.get(0)})
            : g.op("Concat", base, states.toArray(new String[0]), "axis", 0L);
    return unbatched ? g.op("Squeeze", base, new String[] {all, g.longs("axes", 1)}) : all;
  }
}
