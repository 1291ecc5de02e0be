package dev.tapegrad.onnx;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns two traces of the same forward into one ONNX graph: the first (on the examples) gives the
 * ops, values and weights; the second (on longer, shifted inputs) shows which sizes are dynamic and
 * proves that every tensor read as a constant does not depend on the inputs. Internal.
 */
final class Lowering {
  /** A dynamic axis of a graph input: its size in the first and second trace. */
  record Source(String value, int axis, int sizeA, int sizeB, String symbol) {}

  final GraphBuilder g;
  private final OnnxExport.Run a;
  private final OnnxExport.Run b;
  private final Map<Tensor, String> parameters;
  private final Map<Tensor, String> names = new IdentityHashMap<>();
  private final Map<Tensor, Tensor> pair = new IdentityHashMap<>();
  private final Map<Tensor, String> constants = new IdentityHashMap<>();
  private final Map<Tensor, Step> producers = new IdentityHashMap<>();

  /** Every named value of the first trace, in the order defined. */
  private final List<Tensor> defined = new ArrayList<>();

  private final Map<int[], String> lengthNames = new IdentityHashMap<>();
  private final Map<int[], int[]> lengthPair = new IdentityHashMap<>();
  final List<Source> sources = new ArrayList<>();

  Lowering(GraphBuilder g, OnnxExport.Run a, OnnxExport.Run b, Map<Tensor, String> parameters) {
    this.g = g;
    this.a = a;
    this.b = b;
    this.parameters = parameters;
  }

  void defineInput(Tensor ta, Tensor tb, String name) {
    define(ta, tb, name);
  }

  void defineLengths(int[] la, int[] lb, String name) {
    lengthNames.put(la, name);
    lengthPair.put(la, lb);
  }

  void dynamicSource(String value, int axis, int sizeA, int sizeB, String symbol) {
    sources.add(new Source(value, axis, sizeA, sizeB, symbol));
  }

  void define(Tensor ta, Tensor tb, String name) {
    names.put(ta, name);
    pair.put(ta, tb);
    defined.add(ta);
  }

  /** The op that computed {@code ta}, or null for an input or a constant. */
  Step producer(Tensor ta) {
    return producers.get(ta);
  }

  void lowerAll() {
    List<Trace.Op> opsA = a.ops();
    List<Trace.Op> opsB = b.ops();
    for (int i = 0; i < Math.max(opsA.size(), opsB.size()); i++) {
      Trace.Op oa = i < opsA.size() ? opsA.get(i) : null;
      Trace.Op ob = i < opsB.size() ? opsB.get(i) : null;
      if (oa == null || ob == null || !oa.name().equals(ob.name())) {
        throw new OnnxExportException(
            String.format(
                "ONNX export: the forward runs different ops on other input values or sizes (op %d: %s on the"
                    + " examples, %s on other inputs); a traced graph cannot hold control flow that depends"
                    + " on the inputs",
                i, oa == null ? "nothing" : oa, ob == null ? "nothing" : ob));
      }
      OpTable.lower(new Step(this, oa, ob));
    }
  }

  /** The graph's name for {@code ta} (paired with {@code tb} in the second trace). */
  String valueOf(Tensor ta, Tensor tb, Trace.Op op, String what) {
    String where = op == null ? "" : " (" + what + " of " + op + ")";
    if (ta == null) {
      return null;
    }
    String name = names.get(ta);
    if (name != null) {
      if (pair.get(ta) != tb) {
        throw new OnnxExportException(
            "ONNX export: the traced graph differs between inputs at "
                + what
                + where
                + ": the forward takes different paths for different inputs");
      }
      return name;
    }
    String param = parameters.get(ta);
    if (param != null) {
      if (tb != ta) {
        throw new OnnxExportException(
            "ONNX export: parameter "
                + param
                + " is not read the same way on other inputs"
                + where);
      }
      return constants.computeIfAbsent(
          ta, t -> g.floats(param, t.toFloatArray(), longs(t.shape())));
    }
    if (tb == null
        || !Arrays.equals(ta.shape(), tb.shape())
        || !Arrays.equals(ta.toFloatArray(), tb.toFloatArray())) {
      throw new OnnxExportException(
          "ONNX export: "
              + what
              + where
              + " is a tensor "
              + Arrays.toString(ta.shape())
              + " that no traced op computes, and it changes with the inputs (on other inputs it is "
              + (tb == null ? "absent" : Arrays.toString(tb.shape()))
              + "). It was computed from the"
              + " inputs outside the tape (toFloatArray, an int[] of indices, a"
              + " size read from a dynamic axis); the graph would freeze it, so nothing is written");
    }
    return constants.computeIfAbsent(
        ta, t -> g.floats("const", t.toFloatArray(), longs(t.shape())));
  }

  /** The graph's lengths input that {@code la} is, or null for null. */
  String lengthsOf(int[] la, int[] lb, Trace.Op op) {
    if (la == null && lb == null) {
      return null;
    }
    String name = la == null ? null : lengthNames.get(la);
    if (name == null || lengthPair.get(la) != lb) {
      throw new OnnxExportException(
          "ONNX export: "
              + op
              + " is given lengths that are not a lengths input of the export; declare"
              + " them with lengthsInput and pass Inputs.lengths(name) itself to the layer");
    }
    return name;
  }

  /** The ONNX dims of an output: fixed sizes, or the symbol of the input axis it follows. */
  Object[] outputDims(Tensor oa, Tensor ob) {
    int[] sa = oa.shape();
    int[] sb = ob.shape();
    Object[] dims = new Object[sa.length];
    for (int i = 0; i < sa.length; i++) {
      if (sa[i] == sb[i]) {
        dims[i] = sa[i];
      } else {
        dims[i] = "dim_" + i;
        for (Source s : sources) {
          if (s.sizeA == sa[i] && s.sizeB == sb[i]) {
            dims[i] = s.symbol;
            break;
          }
        }
      }
    }
    return dims;
  }

  /**
   * A runtime int64 shape for a reshape (or an expand) to {@code outA} / {@code outB} of {@code
   * input}, whose sizes are {@code inA} / {@code inB}: sizes equal in both traces are fixed, a size
   * that follows an axis of the input or of a graph input is read from it at run time, and one size
   * left over is inferred (-1). Expand keeps a size the input already has as 1.
   */
  String shape(
      Step step, String input, int[] inA, int[] inB, int[] outA, int[] outB, boolean expand) {
    boolean fixed = Arrays.equals(outA, outB);
    if (fixed) {
      return g.longs("shape", longs(outA));
    }
    // each size: a fixed value, a run-time dimension, or null (left to -1)
    Object[] sizes = new Object[outA.length];
    List<Integer> open = new ArrayList<>();
    for (int i = 0; i < outA.length; i++) {
      if (outA[i] == outB[i]) {
        sizes[i] = (long) outA[i];
        continue;
      }
      if (expand) {
        int j = i - (outA.length - inA.length);
        if (j >= 0 && inA[j] == outA[i] && inB[j] == outB[i]) {
          sizes[i] = 1L; // Expand keeps the input's own size
          continue;
        }
      }
      for (int j = 0; j < inA.length && sizes[i] == null; j++) {
        if (inA[j] == outA[i] && inB[j] == outB[i]) {
          sizes[i] = g.dimOf(input, j);
        }
      }
      for (Source src : sources) {
        if (sizes[i] == null && src.sizeA == outA[i] && src.sizeB == outB[i]) {
          sizes[i] = g.dimOf(src.value, src.axis);
        }
      }
      if (sizes[i] == null) {
        open.add(i);
      }
    }
    // More than one size left: look for them among the values computed so far, the latest first
    // (a size the graph made, like T - 4), leaving the last one to -1.
    int allowed = expand ? 0 : 1;
    for (int k = 0; k < open.size() - allowed; k++) {
      int i = open.get(k);
      for (int v = defined.size() - 1; v >= 0 && sizes[i] == null; v--) {
        int[] va = defined.get(v).shape();
        int[] vb = pair.get(defined.get(v)).shape();
        for (int j = 0; j < va.length && sizes[i] == null; j++) {
          if (va[j] == outA[i] && vb[j] == outB[i]) {
            sizes[i] = g.dimOf(names.get(defined.get(v)), j);
          }
        }
      }
    }
    int inferred = 0;
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] == null) {
        if (++inferred > allowed) {
          throw step.fail(
              String.format(
                  "its result's size %s (%s on other inputs) depends on dynamic axes in a way the export"
                      + " cannot express; make fewer axes dynamic or reshape with one -1",
                  Arrays.toString(outA), Arrays.toString(outB)));
        }
        sizes[i] = -1L;
      }
    }
    List<String> parts = new ArrayList<>();
    List<Long> run = new ArrayList<>();
    for (Object size : sizes) {
      if (size instanceof Long l) {
        run.add(l);
        continue;
      }
      if (!run.isEmpty()) {
        parts.add(g.longs("shape", run.stream().mapToLong(Long::longValue).toArray()));
        run.clear();
      }
      parts.add((String) size);
    }
    if (!run.isEmpty()) {
      parts.add(g.longs("shape", run.stream().mapToLong(Long::longValue).toArray()));
    }
    return parts.size() == 1
        ? parts.get(0)
        : g.op("Concat", "shape", parts.toArray(new String[0]), "axis", 0L);
  }

  static long[] longs(int[] values) {
    return GraphBuilder.toLongs(values);
  }

  /** One traced op, seen in both traces, with what its lowering needs. */
  static final class Step {
    final Lowering low;
    final GraphBuilder g;
    final Trace.Op a;
    final Trace.Op b;

    Step(Lowering low, Trace.Op a, Trace.Op b) {
      this.low = low;
      this.g = low.g;
      this.a = a;
      this.b = b;
    }

    String name() {
      return a.name();
    }

    int inputs() {
      return a.inputs().size();
    }

    /** The graph's name for input {@code k}. */
    String in(int k) {
      return low.valueOf(a.inputs().get(k), b.inputs().get(k), a, "input " + k);
    }

    /** The graph's name for a tensor attribute (gather's index). */
    String tensorAttr(String key) {
      return low.valueOf((Tensor) a.attribute(key), (Tensor) b.attribute(key), a, "the " + key);
    }

    int[] inShapeA(int k) {
      return a.inputs().get(k).shape();
    }

    int[] inShapeB(int k) {
      return b.inputs().get(k).shape();
    }

    int[] outShapeA(int j) {
      return a.outputs().get(j).shape();
    }

    int[] outShapeB(int j) {
      return b.outputs().get(j).shape();
    }

    boolean has(String key) {
      return a.attributes().containsKey(key);
    }

    /** Attribute {@code key}, which must be the same in both traces. */
    Object same(String key) {
      Object va = a.attribute(key);
      Object vb = b.attribute(key);
      if (!Objects.deepEquals(va, vb)) {
        throw fail(
            String.format(
                "its %s is %s on the examples but %s on other inputs; it depends on the inputs or on a"
                    + " dynamic axis, which a traced graph cannot express",
                key, show(va), show(vb)));
      }
      return va;
    }

    int intAttr(String key) {
      return (Integer) same(key);
    }

    /** Names output {@code j}. */
    void out(int j, String name) {
      Tensor oa = a.outputs().get(j);
      if (oa != null) {
        low.define(oa, b.outputs().get(j), name);
        low.producers.put(oa, this);
      }
    }

    void out(String name) {
      out(0, name);
    }

    OnnxExportException fail(String message) {
      return new OnnxExportException("ONNX export: op " + a + ": " + message);
    }

    private static String show(Object v) {
      if (v instanceof int[] ints) {
        return Arrays.toString(ints);
      }
      if (v instanceof Tensor t) {
        return "a tensor " + Arrays.toString(t.shape());
      }
      return String.valueOf(v);
    }
  }
}
