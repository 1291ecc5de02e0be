package dev.tapegrad.onnx;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.tapegrad.onnx.Lowering.Step;
import java.util.Map;
import java.util.TreeSet;

/**
 * The ONNX form of each traced op, one case per op name; {@link RecurrentLowering} handles the
 * recurrent layers. An op not listed here fails the export, naming the op and where it was
 * recorded. Internal.
 */
final class OpTable {
  private OpTable() {}

  /** Unary elementwise ops that are one ONNX op each. */
  private static final Map<String, String> UNARY =
      Map.ofEntries(
          Map.entry("neg", "Neg"),
          Map.entry("exp", "Exp"),
          Map.entry("log", "Log"),
          Map.entry("sqrt", "Sqrt"),
          Map.entry("abs", "Abs"),
          Map.entry("tanh", "Tanh"),
          Map.entry("sigmoid", "Sigmoid"),
          Map.entry("relu", "Relu"),
          Map.entry("softplus", "Softplus"),
          Map.entry("erf", "Erf"),
          Map.entry("sin", "Sin"),
          Map.entry("cos", "Cos"),
          Map.entry("sign", "Sign"),
          Map.entry("copy", "Identity"),
          Map.entry("alias", "Identity"));

  /** Broadcasting binary ops, and the ONNX op of their form with a scalar on the right. */
  private static final Map<String, String> BINARY =
      Map.of(
          "add", "Add", "sub", "Sub", "mul", "Mul", "div", "Div", "pow", "Pow", "maximum", "Max",
          "minimum", "Min");

  /** Comparisons, which give 1 or 0 as float32. */
  private static final Map<String, String> COMPARE =
      Map.of(
          "gt",
          "Greater",
          "lt",
          "Less",
          "ge",
          "GreaterOrEqual",
          "le",
          "LessOrEqual",
          "eq",
          "Equal");

  /** Every op name the table maps, for the failure message. */
  static final TreeSet<String> SUPPORTED = new TreeSet<>();

  static {
    SUPPORTED.addAll(UNARY.keySet());
    SUPPORTED.addAll(BINARY.keySet());
    SUPPORTED.addAll(COMPARE.keySet());
    SUPPORTED.addAll(
        java.util.List.of(
            "rsub",
            "rdiv",
            "gelu",
            "normalCdf",
            "normalPdf",
            "leakyRelu",
            "clamp",
            "where",
            "reshape",
            "transpose",
            "permute",
            "expand",
            "narrow",
            "cat",
            "indexSelect",
            "gather",
            "matmul",
            "linear",
            "dot",
            "sum",
            "max",
            "min",
            "softmax",
            "logSoftmax",
            "embedding",
            "timeDelay",
            "recurrent",
            "argmax",
            "argmin"));
  }

  static void lower(Step s) {
    GraphBuilder g = s.g;
    String name = s.name();
    if (s.has("function")) {
      throw s.fail(
          "a custom Function ("
              + s.a.attribute("function")
              + ") has no ONNX mapping; compose the"
              + " model from tapegrad ops to export it");
    }
    if (UNARY.containsKey(name)) {
      s.out(g.op(UNARY.get(name), name, new String[] {s.in(0)}));
      return;
    }
    if (BINARY.containsKey(name)) {
      String op = BINARY.get(name);
      if (s.inputs() == 2) {
        s.out(g.op(op, name, new String[] {s.in(0), s.in(1)}));
      } else {
        s.out(
            g.op(
                op,
                name,
                new String[] {
                  s.in(0), name.equals("mul") ? scalarOrMean(s) : scalar(s, "scalar")
                }));
      }
      return;
    }
    if (COMPARE.containsKey(name)) {
      String bool = g.op(COMPARE.get(name), name, new String[] {s.in(0), s.in(1)});
      s.out(g.op("Cast", name, new String[] {bool}, "to", (long) DataType.FLOAT.getNumber()));
      return;
    }
    switch (name) {
      case "argmax", "argmin" -> {
        // the first extreme index, as tapegrad's (select_last_index = 0)
        String index =
            g.op(
                name.equals("argmax") ? "ArgMax" : "ArgMin",
                name,
                new String[] {s.in(0)},
                "axis",
                (long) s.intAttr("dim"),
                "keepdims",
                (Boolean) s.same("keepDim") ? 1L : 0L);
        s.out(g.op("Cast", name, new String[] {index}, "to", (long) DataType.FLOAT.getNumber()));
      }
      case "rsub" -> s.out(g.op("Sub", name, new String[] {scalar(s, "scalar"), s.in(0)}));
      case "rdiv" -> s.out(g.op("Div", name, new String[] {scalar(s, "scalar"), s.in(0)}));
      case "gelu" -> {
        // x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, as tapegrad computes it
        String x = s.in(0);
        s.out(g.op("Mul", name, new String[] {x, normalCdf(g, x)}));
      }
      case "normalCdf" -> s.out(normalCdf(g, s.in(0)));
      case "normalPdf" -> {
        // exp(-x^2 / 2) / sqrt(2 pi)
        String x = s.in(0);
        String sq = g.op("Mul", "sq", new String[] {x, x});
        String e =
            g.op(
                "Exp",
                "exp",
                new String[] {g.op("Mul", "half", new String[] {sq, g.scalar(-0.5f)})});
        s.out(g.op("Mul", name, new String[] {e, g.scalar((float) (1 / Math.sqrt(2 * Math.PI)))}));
      }
      case "leakyRelu" ->
          s.out(g.op("LeakyRelu", name, new String[] {s.in(0)}, "alpha", (Float) s.same("slope")));
      case "clamp" ->
          s.out(g.op("Clip", name, new String[] {s.in(0), scalar(s, "min"), scalar(s, "max")}));
      case "where" -> {
        String mask =
            g.op("Cast", "mask", new String[] {s.in(0)}, "to", (long) DataType.BOOL.getNumber());
        s.out(g.op("Where", name, new String[] {mask, s.in(1), s.in(2)}));
      }
      case "reshape" -> {
        String x = s.in(0);
        String shape =
            s.low.shape(s, x, s.inShapeA(0), s.inShapeB(0), s.outShapeA(0), s.outShapeB(0), false);
        s.out(g.op("Reshape", name, new String[] {x, shape}));
      }
      case "expand" -> {
        String x = s.in(0);
        String shape =
            s.low.shape(s, x, s.inShapeA(0), s.inShapeB(0), s.outShapeA(0), s.outShapeB(0), true);
        s.out(g.op("Expand", name, new String[] {x, shape}));
      }
      case "transpose", "permute" ->
          s.out(
              g.op(
                  "Transpose",
                  name,
                  new String[] {s.in(0)},
                  "perm",
                  Lowering.longs((int[]) s.same("perm"))));
      case "narrow" -> narrow(s);
      case "cat" -> {
        String[] ins = new String[s.inputs()];
        for (int k = 0; k < ins.length; k++) {
          ins[k] = s.in(k);
        }
        s.out(g.op("Concat", name, ins, "axis", (long) s.intAttr("dim")));
      }
      case "indexSelect" -> {
        String idx = g.longs("indices", Lowering.longs((int[]) s.same("indices")));
        s.out(g.op("Gather", name, new String[] {s.in(0), idx}, "axis", (long) s.intAttr("dim")));
      }
      case "gather" -> {
        String idx =
            g.op(
                "Cast",
                "index",
                new String[] {s.tensorAttr("index")},
                "to",
                (long) DataType.INT64.getNumber());
        s.out(
            g.op(
                "GatherElements",
                name,
                new String[] {s.in(0), idx},
                "axis",
                (long) s.intAttr("dim")));
      }
      case "matmul" -> matmul(s);
      case "linear" -> linear(s);
      case "dot" -> s.out(g.op("MatMul", name, new String[] {s.in(0), s.in(1)}));
      case "sum", "max", "min" -> reduce(s);
      case "softmax" ->
          s.out(g.op("Softmax", name, new String[] {s.in(0)}, "axis", (long) s.intAttr("dim")));
      case "logSoftmax" ->
          s.out(g.op("LogSoftmax", name, new String[] {s.in(0)}, "axis", (long) s.intAttr("dim")));
      case "embedding" -> {
        String idx =
            g.op("Cast", "ids", new String[] {s.in(0)}, "to", (long) DataType.INT64.getNumber());
        s.out(g.op("Gather", name, new String[] {s.in(1), idx}, "axis", 0L));
      }
      case "timeDelay" -> timeDelay(s);
      case "recurrent" -> RecurrentLowering.lower(s);
      default ->
          throw s.fail(
              "the op '"
                  + name
                  + "' has no ONNX mapping, so nothing is written. Ops that export: "
                  + SUPPORTED);
    }
  }

  private static String scalar(Step s, String key) {
    return s.g.scalar((Float) s.same(key));
  }

  /**
   * The scalar of a {@code mul}; when it differs between the traces, it may be a mean's {@code 1 /
   * n} over a dynamic axis (mean is a sum times {@code 1 / n}): then it is computed at run time
   * from the summed tensor's shape, as tapegrad does, {@code 1 / n} rounded to float.
   */
  private static String scalarOrMean(Step s) {
    Object va = s.a.attribute("scalar");
    Object vb = s.b.attribute("scalar");
    Step sum = s.low.producer(s.a.inputs().get(0));
    if (va.equals(vb) || sum == null || !sum.name().equals("sum")) {
      return scalar(s, "scalar");
    }
    GraphBuilder g = s.g;
    int[] inA = sum.inShapeA(0);
    int[] inB = sum.inShapeB(0);
    boolean all = !sum.has("dim");
    int d = all ? -1 : sum.intAttr("dim");
    long nA = all ? java.util.Arrays.stream(inA).asLongStream().reduce(1, (x, y) -> x * y) : inA[d];
    long nB = all ? java.util.Arrays.stream(inB).asLongStream().reduce(1, (x, y) -> x * y) : inB[d];
    if ((Float) va != 1f / nA || (Float) vb != 1f / nB) {
      return scalar(s, "scalar"); // fails, naming both values
    }
    String summed = sum.in(0);
    String count =
        all
            ? g.op("ReduceProd", "numel", new String[] {g.shapeOf(summed)}, "keepdims", 1L)
            : g.dimOf(summed, d);
    String n = g.op("Cast", "count", new String[] {count}, "to", (long) DataType.FLOAT.getNumber());
    String reciprocal = g.op("Reciprocal", "inverse", new String[] {n});
    return g.op("Squeeze", "inverse", new String[] {reciprocal, g.longs("axes", 0)});
  }

  private static String normalCdf(GraphBuilder g, String x) {
    String scaled = g.op("Div", "scaled", new String[] {x, g.scalar((float) Math.sqrt(2))});
    String erf = g.op("Erf", "erf", new String[] {scaled});
    String one = g.op("Add", "onePlus", new String[] {erf, g.scalar(1f)});
    return g.op("Mul", "normalCdf", new String[] {one, g.scalar(0.5f)});
  }

  private static void narrow(Step s) {
    int dim = s.intAttr("dim");
    int startA = (Integer) s.a.attribute("start");
    int startB = (Integer) s.b.attribute("start");
    int lengthA = (Integer) s.a.attribute("length");
    int lengthB = (Integer) s.b.attribute("length");
    int sizeA = s.inShapeA(0)[dim];
    int sizeB = s.inShapeB(0)[dim];
    long start;
    long end;
    if (startA == startB && lengthA == lengthB) {
      start = startA;
      end = startA + lengthA;
    } else if (startA == startB && startA + lengthA == sizeA && startB + lengthB == sizeB) {
      start = startA;
      end = Long.MAX_VALUE; // to the end of a dynamic axis
    } else if (startA - sizeA == startB - sizeB && lengthA == lengthB) {
      start = startA - sizeA; // a fixed window counted from the end
      end = start + lengthA == 0 ? Long.MAX_VALUE : start + lengthA;
    } else {
      throw s.fail(
          String.format(
              "it takes [%d, %d) of %d on the examples but [%d, %d) of %d on other inputs, a range the"
                  + " export cannot express",
              startA, startA + lengthA, sizeA, startB, startB + lengthB, sizeB));
    }
    GraphBuilder g = s.g;
    s.out(
        g.op(
            "Slice",
            "narrow",
            new String[] {
              s.in(0), g.longs("starts", start), g.longs("ends", end), g.longs("axes", dim)
            }));
  }

  private static void matmul(Step s) {
    GraphBuilder g = s.g;
    boolean transA = (Boolean) s.same("transA");
    boolean transB = (Boolean) s.same("transB");
    if (s.inShapeA(0).length == 2) {
      s.out(
          g.op(
              "Gemm",
              "matmul",
              new String[] {s.in(0), s.in(1)},
              "transA",
              transA ? 1L : 0L,
              "transB",
              transB ? 1L : 0L));
      return;
    }
    String a = transA ? g.unary("Transpose", s.in(0), "perm", new long[] {0, 2, 1}) : s.in(0);
    String b = transB ? g.unary("Transpose", s.in(1), "perm", new long[] {0, 2, 1}) : s.in(1);
    s.out(g.op("MatMul", "matmul", new String[] {a, b}));
  }

  /** {@code Functional.linear}'s fused node: {@code x W^T + b} is exactly ONNX's Gemm. */
  private static void linear(Step s) {
    s.out(
        s.g.op(
            "Gemm",
            "linear",
            new String[] {s.in(0), s.in(1), s.in(2)},
            "transA",
            0L,
            "transB",
            1L));
  }

  private static void reduce(Step s) {
    GraphBuilder g = s.g;
    String name = s.name();
    String x = s.in(0);
    boolean all = !s.has("dim");
    long keep = all ? 0L : ((Boolean) s.same("keepDim") ? 1L : 0L);
    if (name.equals("sum")) {
      String[] ins = all ? new String[] {x} : new String[] {x, g.longs("axes", s.intAttr("dim"))};
      s.out(g.op("ReduceSum", name, ins, "keepdims", keep));
      return;
    }
    String op = name.equals("max") ? "ReduceMax" : "ReduceMin";
    // up to opset 17 ReduceMax and ReduceMin take their axes as an attribute, from 18 as an input
    if (all) {
      s.out(g.op(op, name, new String[] {x}, "keepdims", keep));
    } else if (g.opset >= 18) {
      s.out(g.op(op, name, new String[] {x, g.longs("axes", s.intAttr("dim"))}, "keepdims", keep));
    } else {
      s.out(
          g.op(
              op, name, new String[] {x}, "keepdims", keep, "axes", new long[] {s.intAttr("dim")}));
    }
  }

  /**
   * A time-delay layer as a 1-D convolution over {@code [batch, in, time]}: its weight {@code [out,
   * context * in]} (frame-major, as the layer concatenates its taps) becomes {@code [out, in,
   * context]}.
   */
  private static void timeDelay(Step s) {
    GraphBuilder g = s.g;
    int context = s.intAttr("context");
    int dilation = s.intAttr("dilation");
    var weight = s.a.inputs().get(1);
    int out = weight.size(0);
    int in = weight.size(1) / context;
    float[] w = weight.toFloatArray();
    float[] conv = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int c = 0; c < in; c++) {
        for (int k = 0; k < context; k++) {
          conv[(o * in + c) * context + k] = w[o * context * in + k * in + c];
        }
      }
    }
    if (s.b.inputs().get(1) != weight) {
      throw s.fail("its weight differs between the two traces");
    }
    String bias = s.in(2);
    String kernel = g.floats("timeDelay_weight", conv, out, in, context);
    boolean unbatched = s.inShapeA(0).length == 2;
    String x = s.in(0);
    if (unbatched) {
      x = g.op("Unsqueeze", "batched", new String[] {x, g.longs("axes", 0)});
    }
    String channels = g.unary("Transpose", x, "perm", new long[] {0, 2, 1});
    String y =
        g.op(
            "Conv",
            "conv",
            new String[] {channels, kernel, bias},
            "kernel_shape",
            new long[] {context},
            "dilations",
            new long[] {dilation});
    String back = g.unary("Transpose", y, "perm", new long[] {0, 2, 1});
    if (unbatched) {
      back = g.op("Squeeze", "unbatched", new String[] {back, g.longs("axes", 0)});
    }
    s.out(back);
  }
}
