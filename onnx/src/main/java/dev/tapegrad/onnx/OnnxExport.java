package dev.tapegrad.onnx;

import static com.google.common.base.Preconditions.checkArgument;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.Trace;
import dev.tapegrad.nn.Block;
import dev.tapegrad.nn.FusedRecurrence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports a tapegrad model to ONNX by tracing, as {@code torch.onnx.export} does: it runs the
 * forward on example inputs while a {@link Trace} records every op, and writes the recorded ops as
 * an ONNX graph (opset {@value #DEFAULT_OPSET} by default) whose initializers are the model's
 * current weights.
 *
 * <pre>{@code
 * OnnxExport.builder(model)
 *     .input("x", exampleX)                 // [batch, 16]
 *     .dynamicAxis("x", 0, "batch")
 *     .output("logits")
 *     .build()
 *     .save(in -> List.of(model.forward(in.tensor("x"))), Path.of("model.onnx"));
 * }</pre>
 *
 * <h2>How it traces</h2>
 *
 * The forward runs twice, with grad mode off, the model in evaluation mode (restored afterwards)
 * and recurrent cells composed ({@link FusedRecurrence#disable}): once on the example inputs, and
 * once on inputs whose dynamic axes are longer and whose values are shifted by one position. The
 * two traces must run the same ops; a tensor that the graph reads as a constant must be the same in
 * both (so a value computed from the inputs outside the tape, say through {@code toFloatArray()},
 * fails the export rather than being frozen into it); and the sizes that differ between them are
 * what makes a reshape or an expand dynamic. Recurrent layers ({@code Rnn}, {@code Lstm}, {@code
 * Gru}) become one ONNX {@code RNN}, {@code LSTM} or {@code GRU} node per layer and direction, with
 * {@code sequence_lens} from a {@link Builder#lengthsInput lengths input}; {@code Embedding}
 * becomes {@code Gather}, {@code TimeDelay} a {@code Conv}.
 *
 * <h2>Inputs and outputs</h2>
 *
 * Tensor inputs are float32, like every tapegrad tensor (index inputs of an embedding too; the
 * graph casts them). Lengths inputs are int32 of shape {@code [batch]}. Outputs are float32, named
 * in the order the forward returns them. An op without an ONNX mapping, a custom {@code Function}
 * among them, fails with an {@link OnnxExportException} naming the op and where it was recorded;
 * nothing is written then. See {@code docs/onnx.md} for the ops covered.
 */
public final class OnnxExport {
  /** The opset written unless {@link Builder#opset} says otherwise. */
  public static final int DEFAULT_OPSET = 17;

  /** The forward pass to trace. */
  @FunctionalInterface
  public interface Forward {
    /** Runs the model on {@code inputs} and returns its outputs, in the order they are named. */
    List<Tensor> apply(Inputs inputs);
  }

  /** The inputs a traced forward reads, by the names given to the builder. */
  public static final class Inputs {
    private final Map<String, Tensor> tensors;
    private final Map<String, int[]> lengths;

    private Inputs(Map<String, Tensor> tensors, Map<String, int[]> lengths) {
      this.tensors = tensors;
      this.lengths = lengths;
    }

    /**
     * Inputs for running a {@link Forward} outside an export, say to compare with the exported
     * model.
     */
    public static Inputs of(Map<String, Tensor> tensors, Map<String, int[]> lengths) {
      return new Inputs(new LinkedHashMap<>(tensors), new LinkedHashMap<>(lengths));
    }

    /** The tensor input {@code name}. */
    public Tensor tensor(String name) {
      Tensor t = tensors.get(name);
      checkArgument(
          t != null,
          "ONNX export: no tensor input named '%s' (inputs: %s)",
          name,
          tensors.keySet());
      return t;
    }

    /** The lengths input {@code name}: pass this very array to a recurrent layer's forward. */
    public int[] lengths(String name) {
      int[] l = lengths.get(name);
      checkArgument(
          l != null,
          "ONNX export: no lengths input named '%s' (lengths: %s)",
          name,
          lengths.keySet());
      return l;
    }
  }

  /** A builder of exports; see {@link OnnxExport}. */
  public static final class Builder {
    private final Block model;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, int[]> lengths = new LinkedHashMap<>();
    private final Map<String, Map<Integer, String>> dynamic = new LinkedHashMap<>();
    private final List<String> outputs = new ArrayList<>();
    private int opset = DEFAULT_OPSET;
    private String graphName = "tapegrad";

    private Builder(Block model) {
      this.model = model;
    }

    /** A float32 input named {@code name}, traced with {@code example}. */
    public Builder input(String name, Tensor example) {
      checkName(name);
      checkArgument(example != null, "ONNX export: input '%s' has no example", name);
      tensors.put(name, example);
      return this;
    }

    /**
     * An int32 input {@code [batch]} named {@code name}, the lengths of padded sequences, traced
     * with {@code example}; it becomes the {@code sequence_lens} of the recurrent nodes it is
     * passed to.
     */
    public Builder lengthsInput(String name, int[] example) {
      checkName(name);
      checkArgument(
          example != null && example.length > 0, "ONNX export: lengths '%s' are empty", name);
      lengths.put(name, example.clone());
      return this;
    }

    /**
     * Makes axis {@code axis} of input {@code input} dynamic, named {@code symbol}; axes of
     * different inputs with the same symbol have the same size (PyTorch's {@code dynamic_axes}).
     */
    public Builder dynamicAxis(String input, int axis, String symbol) {
      int rank =
          tensors.containsKey(input)
              ? tensors.get(input).dim()
              : lengths.containsKey(input) ? 1 : -1;
      checkArgument(
          rank >= 0,
          "ONNX export: dynamicAxis names '%s', which is not an input declared before it",
          input);
      checkArgument(
          axis >= 0 && axis < rank,
          "ONNX export: axis %s of input '%s' out of range for rank %s",
          axis,
          input,
          rank);
      checkArgument(symbol != null && !symbol.isEmpty(), "ONNX export: dynamic axis needs a name");
      dynamic.computeIfAbsent(input, k -> new LinkedHashMap<>()).put(axis, symbol);
      return this;
    }

    /** Names the next output (outputs not named are {@code output_0}, {@code output_1}, ...). */
    public Builder output(String name) {
      checkArgument(name != null && !name.isEmpty(), "ONNX export: an output needs a name");
      outputs.add(name);
      return this;
    }

    /** The opset to declare, 17 or newer (default {@value #DEFAULT_OPSET}). */
    public Builder opset(int version) {
      checkArgument(
          version >= 17, "ONNX export: opset %s is older than 17, the oldest supported", version);
      opset = version;
      return this;
    }

    /** The graph's name (default "tapegrad"). */
    public Builder graphName(String name) {
      checkArgument(name != null && !name.isEmpty(), "ONNX export: the graph needs a name");
      graphName = name;
      return this;
    }

    private void checkName(String name) {
      checkArgument(name != null && !name.isEmpty(), "ONNX export: an input needs a name");
      checkArgument(
          !tensors.containsKey(name) && !lengths.containsKey(name),
          "ONNX export: input '%s' declared twice",
          name);
    }

    /** The export; the builder can be reused. */
    public OnnxExport build() {
      checkArgument(!tensors.isEmpty(), "ONNX export: declare at least one tensor input");
      return new OnnxExport(this);
    }
  }

  /**
   * A builder for exporting {@code model}: its parameters become initializers under their names in
   * {@link Block#namedParameters()}, and it is traced in evaluation mode. May be null for a forward
   * that is not a {@link Block}.
   */
  public static Builder builder(Block model) {
    return new Builder(model);
  }

  private final Block model;
  private final Map<String, Tensor> tensors;
  private final Map<String, int[]> lengths;
  private final Map<String, Map<Integer, String>> dynamic;
  private final List<String> outputNames;
  private final int opset;
  private final String graphName;

  private OnnxExport(Builder b) {
    model = b.model;
    tensors = new LinkedHashMap<>(b.tensors);
    lengths = new LinkedHashMap<>(b.lengths);
    dynamic = new LinkedHashMap<>();
    b.dynamic.forEach((k, v) -> dynamic.put(k, new LinkedHashMap<>(v)));
    outputNames = List.copyOf(b.outputs);
    opset = b.opset;
    graphName = b.graphName;
  }

  /** Traces {@code forward} and returns the ONNX model, writing nothing. */
  public ModelProto toModel(Forward forward) {
    Map<String, Integer> increments = new LinkedHashMap<>();
    int[] primes = {3, 5, 7, 11, 13, 17, 19, 23, 29, 31};
    for (Map<Integer, String> axes : dynamic.values()) {
      for (String s : axes.values()) {
        if (!increments.containsKey(s)) {
          increments.put(
              s,
              primes[Math.min(increments.size(), primes.length - 1)]
                  + Math.max(0, increments.size() - 9));
        }
      }
    }
    Map<String, Tensor> tensorsB = new LinkedHashMap<>();
    tensors.forEach((name, t) -> tensorsB.put(name, varied(t, dynamic.get(name), increments)));
    Map<String, int[]> lengthsB = new LinkedHashMap<>();
    lengths.forEach((name, l) -> lengthsB.put(name, varied(l, dynamic.get(name), increments)));

    Run a = run(forward, new Inputs(tensors, lengths));
    Run b = run(forward, new Inputs(tensorsB, lengthsB));
    if (a.outputs.size() != b.outputs.size()) {
      throw new OnnxExportException(
          String.format(
              "ONNX export: the forward returned %d outputs on the examples but %d on other inputs",
              a.outputs.size(), b.outputs.size()));
    }
    checkArgument(
        outputNames.size() <= a.outputs.size(),
        "ONNX export: %s output names given for %s outputs",
        outputNames.size(),
        a.outputs.size());

    GraphBuilder g = new GraphBuilder(graphName, opset);
    Lowering lowering = new Lowering(g, a, b, parameterNames());
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = g.claim(e.getKey());
      Tensor ta = e.getValue();
      Tensor tb = tensorsB.get(e.getKey());
      lowering.defineInput(ta, tb, name);
      Map<Integer, String> axes = dynamic.getOrDefault(e.getKey(), Map.of());
      Object[] dims = new Object[ta.dim()];
      for (int d = 0; d < dims.length; d++) {
        dims[d] = axes.containsKey(d) ? axes.get(d) : (Object) ta.size(d);
        if (axes.containsKey(d)) {
          lowering.dynamicSource(name, d, ta.size(d), tb.size(d), axes.get(d));
        }
      }
      g.input(name, DataType.FLOAT.getNumber(), dims);
    }
    for (Map.Entry<String, int[]> e : lengths.entrySet()) {
      String name = g.claim(e.getKey());
      lowering.defineLengths(e.getValue(), lengthsB.get(e.getKey()), name);
      Map<Integer, String> axes = dynamic.getOrDefault(e.getKey(), Map.of());
      Object dim = axes.containsKey(0) ? axes.get(0) : (Object) e.getValue().length;
      g.input(name, DataType.INT32.getNumber(), new Object[] {dim});
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < a.outputs.size(); i++) {
      names.add(g.claim(i < outputNames.size() ? outputNames.get(i) : "output_" + i));
    }
    lowering.lowerAll();
    for (int i = 0; i < a.outputs.size(); i++) {
      Tensor oa = a.outputs.get(i);
      Tensor ob = b.outputs.get(i);
      String name = names.get(i);
      String internal = lowering.valueOf(oa, ob, null, "output " + name);
      g.node("Identity", new String[] {internal}, new String[] {name});
      g.output(name, DataType.FLOAT.getNumber(), lowering.outputDims(oa, ob));
    }
    return ModelProto.newBuilder()
        .setIrVersion(irVersion(opset))
        .setProducerName("tapegrad")
        .setProducerVersion("0.1.0")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(g.build())
        .build();
  }

  /**
   * The IR version released with {@code opset} (ONNX 1.12: opset 17, IR 8; 1.15: 20, 9; 1.16: 21,
   * 10; 1.18: 23, 11).
   */
  static int irVersion(int opset) {
    return opset <= 18 ? 8 : opset <= 20 ? 9 : opset <= 22 ? 10 : 11;
  }

  /** Traces {@code forward} and returns the ONNX file's bytes. */
  public byte[] toBytes(Forward forward) {
    return toModel(forward).toByteArray();
  }

  /**
   * Traces {@code forward} and writes the ONNX file to {@code path}, through a temporary file in
   * the same directory, so a failed export leaves no file and an existing one untouched.
   */
  public void save(Forward forward, Path path) {
    byte[] bytes = toBytes(forward);
    Path dir = path.toAbsolutePath().getParent();
    try {
      // not Files.createTempFile, whose owner-only permissions the model file would keep
      Path tmp = dir.resolve(path.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
      try {
        Files.write(tmp, bytes);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("ONNX export: cannot write " + path, e);
    }
  }

  /** The traced ops, inputs and outputs of one run of the forward. */
  record Run(List<Trace.Op> ops, Inputs inputs, List<Tensor> outputs) {}

  private Run run(Forward forward, Inputs inputs) {
    boolean training = model != null && model.isTraining();
    if (model != null) {
      model.eval();
    }
    try (var noGrad = Autograd.noGrad();
        var composed = FusedRecurrence.disable();
        Trace trace = Trace.start()) {
      List<Tensor> out = forward.apply(inputs);
      checkArgument(out != null && !out.isEmpty(), "ONNX export: the forward returned no outputs");
      return new Run(List.copyOf(trace.ops()), inputs, List.copyOf(out));
    } finally {
      if (training) {
        model.train();
      }
    }
  }

  private Map<Tensor, String> parameterNames() {
    Map<Tensor, String> names = new IdentityHashMap<>();
    if (model != null) {
      model.namedParameters().forEach((name, t) -> names.put(t, name));
    }
    return names;
  }

  /** {@code t} with its dynamic axes longer and its values shifted cyclically by one position. */
  private static Tensor varied(
      Tensor t, Map<Integer, String> axes, Map<String, Integer> increments) {
    int[] shape = t.shape();
    if (axes != null) {
      axes.forEach((axis, symbol) -> shape[axis] += increments.get(symbol));
    }
    float[] src = t.toFloatArray();
    int n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    float[] out = new float[n];
    for (int i = 0; i < n && src.length > 0; i++) {
      out[i] = src[(i + 1) % src.length];
    }
    return Tensor.of(out, shape);
  }

  private static int[] varied(int[] l, Map<Integer, String> axes, Map<String, Integer> increments) {
    int n = l.length + (axes != null && axes.containsKey(0) ? increments.get(axes.get(0)) : 0);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = l[(i + 1) % l.length];
    }
    return out;
  }
}
