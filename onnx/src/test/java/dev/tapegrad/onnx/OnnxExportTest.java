package dev.tapegrad.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import dev.tapegrad.nn.Dropout;
import dev.tapegrad.nn.Embedding;
import dev.tapegrad.nn.Gru;
import dev.tapegrad.nn.LayerNorm;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.LogSoftmax;
import dev.tapegrad.nn.Lstm;
import dev.tapegrad.nn.Relu;
import dev.tapegrad.nn.Rnn;
import dev.tapegrad.nn.RnnCell;
import dev.tapegrad.nn.RnnOutput;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.nn.Tanh;
import dev.tapegrad.nn.TimeDelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports models and runs them in ONNX Runtime on fresh inputs (other sizes along the dynamic axes,
 * other values), comparing every output with tapegrad's.
 */
class OnnxExportTest {

  /** Runs tapegrad's forward and the exported model on the same fresh inputs and compares. */
  private static void assertSameOutputs(
      byte[] onnx,
      OnnxExport.Forward forward,
      Map<String, Tensor> tensors,
      Map<String, int[]> lengths)
      throws Exception {
    keep(onnx);
    Map<String, Object> feed = new LinkedHashMap<>(tensors);
    feed.putAll(lengths);
    List<Tensor> expected;
    try (var noGrad = Autograd.noGrad()) {
      expected = forward.apply(OnnxExport.Inputs.of(tensors, lengths));
    }
    OrtCheck.assertClose(expected, OrtCheck.run(onnx, feed));
  }

  /**
   * Leaves a copy of each exported file in {@code target/onnx-exports}, named after the test, for
   * {@code tools/check_onnx.py} (the ONNX checker, which has no Java API).
   */
  private static void keep(byte[] onnx) throws java.io.IOException {
    String test =
        StackWalker.getInstance().walk(s -> s.skip(2).findFirst()).orElseThrow().getMethodName();
    Path dir = Path.of("target", "onnx-exports");
    Files.createDirectories(dir);
    Path file = dir.resolve(test + ".onnx");
    for (int i = 2;
        Files.exists(file) && !java.util.Arrays.equals(Files.readAllBytes(file), onnx);
        i++) {
      file = dir.resolve(test + "-" + i + ".onnx");
    }
    Files.write(file, onnx);
  }

  private static Set ops(ModelProto model) {
    return new Set(
        model.getGraph().getNodeList().stream()
            .map(NodeProto::getOpType)
            .collect(Collectors.toList()));
  }

  private record Set(List<String> types) {
    long count(String type) {
      return types.stream().filter(type::equals).count();
    }
  }

  @Test
  void mlpWithDynamicBatch() throws Exception {
    Random random = new Random(1);
    Sequential mlp =
        new Sequential(
            new Linear(8, 16, random),
            new Relu(),
            new Dropout(0.5f, random),
            new Linear(16, 4, random),
            new LogSoftmax(-1));
    mlp.train(); // the export traces in evaluation mode and restores the mode
    OnnxExport.Forward forward = in -> List.of(mlp.forward(in.tensor("x")));
    ModelProto model =
        OnnxExport.builder(mlp)
            .input("x", Tensor.randn(2, 3, 8))
            .dynamicAxis("x", 0, "batch")
            .output("logProbs")
            .build()
            .toModel(forward);
    assertTrue(mlp.isTraining());
    assertEquals(17, model.getOpsetImport(0).getVersion());
    assertEquals("x", model.getGraph().getInput(0).getName());
    assertEquals(
        "batch",
        model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
    assertEquals("logProbs", model.getGraph().getOutput(0).getName());
    assertEquals(
        List.of("0.weight", "0.bias", "3.weight", "3.bias"),
        model.getGraph().getInitializerList().stream()
            .map(t -> t.getName())
            .filter(n -> n.contains("weight") || n.contains("bias"))
            .collect(Collectors.toList()));
    mlp.eval();
    assertSameOutputs(model.toByteArray(), forward, Map.of("x", Tensor.randn(3, 7, 8)), Map.of());
    assertSameOutputs(model.toByteArray(), forward, Map.of("x", Tensor.randn(4, 1, 8)), Map.of());
  }

  /** The char-rnn model: embedding, a 2-layer LSTM, and a linear head over the vocabulary. */
  @Test
  void charRnnLstm() throws Exception {
    Random random = new Random(2);
    int vocab = 11;
    CharLike model = new CharLike(vocab, random);
    OnnxExport.Forward forward =
        in -> {
          RnnOutput out = model.forward(in.tensor("tokens"), in.tensor("h0"), in.tensor("c0"));
          return List.of(out.output(), out.hN(), out.cN());
        };
    byte[] onnx =
        OnnxExport.builder(model)
            .input("tokens", tokens(random, vocab, 5, 2))
            .input("h0", Tensor.randn(3, 2, 2, 16))
            .input("c0", Tensor.randn(4, 2, 2, 16))
            .dynamicAxis("tokens", 0, "seq")
            .dynamicAxis("tokens", 1, "batch")
            .dynamicAxis("h0", 1, "batch")
            .dynamicAxis("c0", 1, "batch")
            .output("logits")
            .output("h_n")
            .output("c_n")
            .build()
            .toBytes(forward);
    ModelProto model2 = ModelProto.parseFrom(onnx);
    assertEquals(2, ops(model2).count("LSTM"));
    assertSameOutputs(
        onnx,
        forward,
        Map.of(
            "tokens",
            tokens(random, vocab, 9, 3),
            "h0",
            Tensor.randn(5, 2, 3, 16),
            "c0",
            Tensor.randn(6, 2, 3, 16)),
        Map.of());
  }

  static Tensor tokens(Random random, int vocab, int steps, int batch) {
    float[] ids = new float[steps * batch];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = random.nextInt(vocab);
    }
    return Tensor.of(ids, steps, batch);
  }

  private static final class CharLike extends Block {
    private final Embedding embedding;
    private final Lstm rnn;
    private final Linear head;

    CharLike(int vocab, Random random) {
      embedding = registerBlock("embedding", new Embedding(vocab, 6, random));
      rnn = registerBlock("rnn", Lstm.builder(6, 16).numLayers(2).build(random));
      head = registerBlock("head", new Linear(16, vocab, random));
    }

    RnnOutput forward(Tensor tokens, Tensor h0, Tensor c0) {
      int steps = tokens.size(0);
      int batch = tokens.size(1);
      RnnOutput out = rnn.forward(embedding.forward(tokens), h0, c0);
      Tensor logits = head.forward(out.output().reshape(steps * batch, -1));
      return new RnnOutput(logits, out.hN(), out.cN());
    }
  }

  @Test
  void bidirectionalGruWithLengths() throws Exception {
    Random random = new Random(3);
    Gru gru = Gru.builder(5, 7).numLayers(2).bidirectional(true).batchFirst(true).build(random);
    OnnxExport.Forward forward =
        in -> {
          RnnOutput out = gru.forward(in.tensor("x"), in.lengths("lengths"));
          return List.of(out.output(), out.hN());
        };
    byte[] onnx =
        OnnxExport.builder(gru)
            .input("x", Tensor.randn(4, 3, 6, 5))
            .lengthsInput("lengths", new int[] {6, 2, 4})
            .dynamicAxis("x", 0, "batch")
            .dynamicAxis("x", 1, "seq")
            .dynamicAxis("lengths", 0, "batch")
            .build()
            .toBytes(forward);
    ModelProto model = ModelProto.parseFrom(onnx);
    assertEquals(4, ops(model).count("GRU"), "one node per layer and direction");
    assertSameOutputs(
        onnx,
        forward,
        Map.of("x", Tensor.randn(5, 4, 8, 5)),
        Map.of("lengths", new int[] {3, 8, 1, 5}));
  }

  @Test
  void elmanRnnsUnbatchedAndWithInitialState() throws Exception {
    Random random = new Random(4);
    Rnn relu =
        Rnn.builder(3, 4).nonlinearity(RnnCell.Nonlinearity.RELU).bidirectional(true).build(random);
    Rnn tanh = Rnn.builder(8, 5).numLayers(2).bias(false).build(random);
    OnnxExport.Forward forward =
        in -> {
          RnnOutput a = relu.forward(in.tensor("x"));
          RnnOutput b = tanh.forward(a.output(), dev.tapegrad.nn.RnnState.of(in.tensor("h0")));
          return List.of(b.output(), a.hN(), b.hN());
        };
    byte[] onnx =
        OnnxExport.builder(null)
            .input("x", Tensor.randn(5, 6, 3))
            .input("h0", Tensor.randn(6, 2, 5))
            .dynamicAxis("x", 0, "seq")
            .build()
            .toBytes(forward);
    assertSameOutputs(
        onnx, forward, Map.of("x", Tensor.randn(7, 9, 3), "h0", Tensor.randn(8, 2, 5)), Map.of());
  }

  @Test
  void cellSteppedByAUserLoopIsUnrolled() throws Exception {
    dev.tapegrad.nn.GruCell cell = new dev.tapegrad.nn.GruCell(3, 4, new Random(10));
    OnnxExport.Forward forward =
        in -> {
          Tensor h = in.tensor("h");
          for (Tensor step : in.tensor("x").split(1, 0)) {
            h = cell.forward(step.squeeze(0), h);
          }
          return List.of(h);
        };
    byte[] onnx =
        OnnxExport.builder(cell)
            .input("x", Tensor.randn(50, 5, 2, 3))
            .input("h", Tensor.randn(51, 2, 4))
            .dynamicAxis("x", 1, "batch")
            .dynamicAxis("h", 0, "batch")
            .build()
            .toBytes(forward);
    assertSameOutputs(
        onnx,
        forward,
        Map.of("x", Tensor.randn(52, 5, 6, 3), "h", Tensor.randn(53, 6, 4)),
        Map.of());
  }

  @Test
  void timeDelayNetworkAsConvolutions() throws Exception {
    Random random = new Random(5);
    Sequential tdnn =
        new Sequential(
            new TimeDelay(6, 8, 3, 2, random),
            new Tanh(),
            new TimeDelay(8, 4, 2, random),
            new LogSoftmax(-1));
    // frame outputs, and their mean over time (x-vector pooling), whose 1 / T is dynamic
    OnnxExport.Forward forward =
        in -> {
          Tensor y = tdnn.forward(in.tensor("frames"));
          return List.of(y, y.mean(y.dim() - 2, false));
        };
    byte[] onnx =
        OnnxExport.builder(tdnn)
            .input("frames", Tensor.randn(6, 2, 12, 6))
            .dynamicAxis("frames", 0, "batch")
            .dynamicAxis("frames", 1, "time")
            .build()
            .toBytes(forward);
    assertEquals(2, ops(ModelProto.parseFrom(onnx)).count("Conv"));
    assertSameOutputs(onnx, forward, Map.of("frames", Tensor.randn(7, 3, 20, 6)), Map.of());
    // unbatched [time, in] input
    byte[] unbatched =
        OnnxExport.builder(tdnn).input("frames", Tensor.randn(8, 12, 6)).build().toBytes(forward);
    assertSameOutputs(unbatched, forward, Map.of("frames", Tensor.randn(9, 12, 6)), Map.of());
  }

  @Test
  void layerNorm() throws Exception {
    LayerNorm norm = new LayerNorm(10);
    try (var noGrad = Autograd.noGrad()) {
      norm.weight().copyFrom(Tensor.randn(10, 10));
      norm.bias().copyFrom(Tensor.randn(11, 10));
    }
    OnnxExport.Forward forward = in -> List.of(norm.forward(in.tensor("x")));
    byte[] onnx =
        OnnxExport.builder(norm)
            .input("x", Tensor.randn(12, 2, 3, 10).mul(3f))
            .dynamicAxis("x", 0, "batch")
            .dynamicAxis("x", 1, "seq")
            .build()
            .toBytes(forward);
    assertSameOutputs(
        onnx, forward, Map.of("x", Tensor.randn(13, 4, 5, 10).mul(3f).add(1f)), Map.of());
  }

  /** A user's model written with tensor ops rather than layers. */
  private static final class Custom extends Block {
    private final Tensor w = registerParameter("w", Tensor.randn(20, 6, 8));
    private final Tensor b = registerParameter("b", Tensor.randn(21, 8));
    private final Tensor scale = registerParameter("scale", Tensor.randn(22, 3, 1));

    Tensor forward(Tensor x) {
      // x: [B, 6]
      Tensor h = x.matmul(w).add(b); // [B, 8]
      List<Tensor> halves = h.split(4, 1);
      Tensor mixed = halves.get(0).tanh().mul(halves.get(1).sigmoid()); // [B, 4]
      Tensor y =
          Tensor.cat(
              List.of(mixed.gelu(), mixed.leakyRelu(0.1f), mixed.abs().add(0.5f).sqrt().log()),
              1); // [B, 12]
      Tensor z = y.reshape(-1, 3, 4).permute(0, 2, 1); // [B, 4, 3]
      Tensor t = z.matmul(scale).squeeze(-1); // [B, 4]
      Tensor pooled =
          z.max(2, false).add(z.sum(2, false).div(3f)).sub(z.min(2, true).squeeze(2)); // [B, 4]
      Tensor gated =
          Tensor.where(
              Tensor.of(new float[] {1, 0, 1, 0}, 4),
              t.exp().rdiv(1f),
              pooled.clamp(-1f, 1f).rsub(2f));
      Tensor picked = gated.indexSelect(1, 3, 0).pow(2f).mul(pooled.narrow(1, 1, 2)); // [B, 2]
      Tensor normed =
          picked.softmax(-1).add(gated.logSoftmax(1).mean(1, true)).maximum(picked.neg());
      return normed
          .add(x.unsqueeze(2).expand(-1, -1, 2).sum(1, false).transpose(0, 1).t())
          .mul(Tensor.scalar(0.5f));
    }
  }

  @Test
  void customModelOfOps() throws Exception {
    Custom model = new Custom();
    OnnxExport.Forward forward = in -> List.of(model.forward(in.tensor("x")));
    byte[] onnx =
        OnnxExport.builder(model)
            .input("x", Tensor.randn(30, 3, 6))
            .dynamicAxis("x", 0, "batch")
            .build()
            .toBytes(forward);
    assertSameOutputs(onnx, forward, Map.of("x", Tensor.randn(31, 5, 6)), Map.of());
  }

  /** The rest of the elementwise, reduction, indexing and shape ops, on a [B, 3, 4] input. */
  private static Tensor moreOps(Tensor x, Tensor w) {
    Tensor a = x.sin().add(x.cos().mul(x.erf())).add(x.softplus()).mul(x.sign()); // [B, 3, 4]
    Tensor b = x.abs().add(1f).pow(x.sigmoid()).minimum(a).square(); // [B, 3, 4]
    Tensor c = a.matmul(b.transpose(1, 2)); // batched [B, 3, 3]
    Tensor index =
        Tensor.of(new float[] {2, 0, 1, 1, 2, 0}, 1, 3, 2).expand(c.size(0), 3, 2).copy();
    Tensor d = c.gather(2, index).div(c.detach().abs().add(1f).sum(2, true)); // [B, 3, 2]
    Tensor e = Tensor.stack(d.chunk(2, 2), 0).squeeze(-1).flatten(); // [2 * B * 3]
    Tensor f =
        e.logSumExp()
            .add(x.var(2, true, false).mean())
            .sub(x.max())
            .add(x.min())
            .add(x.sum()); // []
    Tensor g = x.slice(2, 0, 4, 2).view(-1, 2).matmul(w).relu(); // [B * 3, 5]
    Tensor h = g.reshape(-1, 3, 5).logSumExp(1, false).mul(f); // [B, 5]
    return h.add(Tensor.vector(1, 2, 3, 4, 5).dot(Tensor.vector(5, 4, 3, 2, 1)).mul(0.01f));
  }

  @Test
  void comparisonsAndArgmaxFollowTheInputs() throws Exception {
    Linear linear = new Linear(4, 3, new Random(11));
    OnnxExport.Forward forward =
        in -> {
          Tensor x = in.tensor("x");
          Tensor y = linear.forward(x);
          Tensor gated = Tensor.where(y.gt(0f), y, y.mul(0.1f)).add(y.lt(x.narrow(1, 0, 3)));
          Tensor flags =
              y.ge(Tensor.scalar(0.2f)).add(y.le(Tensor.scalar(-0.2f)).mul(2f)).add(y.eq(y));
          return List.of(gated, flags, y.argmax(1, false), y.argmin(0, true));
        };
    byte[] onnx =
        OnnxExport.builder(linear)
            .input("x", Tensor.randn(60, 5, 4))
            .dynamicAxis("x", 0, "batch")
            .build()
            .toBytes(forward);
    assertSameOutputs(onnx, forward, Map.of("x", Tensor.randn(61, 9, 4)), Map.of());
  }

  @Test
  void moreOpsInOnnxRuntime() throws Exception {
    Tensor w = Tensor.randn(32, 2, 5);
    OnnxExport.Forward forward = in -> List.of(moreOps(in.tensor("x"), w));
    byte[] onnx =
        OnnxExport.builder(null)
            .input("x", Tensor.randn(33, 2, 3, 4))
            .dynamicAxis("x", 0, "batch")
            .build()
            .toBytes(forward);
    assertSameOutputs(onnx, forward, Map.of("x", Tensor.randn(34, 5, 3, 4)), Map.of());
  }

  @Test
  void newerOpsetsRunToo() throws Exception {
    Custom model = new Custom();
    OnnxExport.Forward forward = in -> List.of(model.forward(in.tensor("x")));
    for (int opset : new int[] {18, 21}) {
      ModelProto proto =
          OnnxExport.builder(model)
              .input("x", Tensor.randn(35, 3, 6))
              .dynamicAxis("x", 0, "batch")
              .opset(opset)
              .build()
              .toModel(forward);
      assertEquals(opset, proto.getOpsetImport(0).getVersion());
      assertEquals(opset == 18 ? 8 : 10, proto.getIrVersion());
      assertSameOutputs(
          proto.toByteArray(), forward, Map.of("x", Tensor.randn(36, 4, 6)), Map.of());
    }
  }

  @Test
  void badBuilderArgumentsAreNamed() {
    Tensor x = Tensor.randn(37, 2, 3);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxExport.builder(null).input("x", x).dynamicAxis("y", 0, "batch"));
    assertTrue(e.getMessage().contains("'y'"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxExport.builder(null).input("x", x).dynamicAxis("x", 2, "batch"));
    assertTrue(
        e.getMessage().contains("axis 2 of input 'x' out of range for rank 2"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxExport.builder(null).input("x", x).input("x", x));
    assertTrue(e.getMessage().contains("'x' declared twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.builder(null).opset(16));
    assertTrue(e.getMessage().contains("opset 16"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.builder(null).build());
    assertTrue(e.getMessage().contains("at least one tensor input"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                OnnxExport.builder(null)
                    .input("x", x)
                    .output("a")
                    .output("b")
                    .build()
                    .toModel(in -> List.of(in.tensor("x").exp())));
    assertTrue(e.getMessage().contains("2 output names given for 1 outputs"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxExport.Inputs.of(Map.of("x", x), Map.of()).tensor("z"));
    assertTrue(e.getMessage().contains("no tensor input named 'z'"), e.getMessage());
  }

  /** A user-defined differentiable op. */
  private static final class Cube extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      return in[0].mul(in[0]).mul(in[0]);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      return new Tensor[] {gradOutput};
    }
  }

  @Test
  void customFunctionFailsNamingItAndTheCaller(@TempDir Path dir) {
    Linear linear = new Linear(3, 2, new Random(6));
    Path file = dir.resolve("model.onnx");
    OnnxExportException e =
        assertThrows(
            OnnxExportException.class,
            () ->
                OnnxExport.builder(linear)
                    .input("x", Tensor.randn(40, 2, 3))
                    .build()
                    .save(in -> List.of(new Cube().apply(linear.forward(in.tensor("x")))), file));
    assertTrue(e.getMessage().contains("'Cube'"), e.getMessage());
    assertTrue(
        e.getMessage().contains("OnnxExportTest"),
        "names where it was recorded: " + e.getMessage());
    assertTrue(e.getMessage().contains("custom Function"), e.getMessage());
    assertFalse(Files.exists(file), "no file is written");
  }

  @Test
  void unmappedOpFailsNamingItAndWhereItWasRecorded() {
    StackTraceElement site =
        new StackTraceElement("com.example.Model", "forward", "Model.java", 42);
    Tensor x = Tensor.randn(41, 2, 2);
    Tensor y = Tensor.randn(42, 2, 2);
    var op =
        new dev.tapegrad.autograd.Trace.Op(
            "narrowBackward", List.of(x), List.of(y), Map.of(), site);
    GraphBuilder g = new GraphBuilder("g", 17);
    Lowering low = new Lowering(g, null, null, Map.of());
    low.define(x, x, "x");
    OnnxExportException e =
        assertThrows(
            OnnxExportException.class, () -> OpTable.lower(new Lowering.Step(low, op, op)));
    assertTrue(e.getMessage().contains("'narrowBackward'"), e.getMessage());
    assertTrue(e.getMessage().contains("com.example.Model.forward(Model.java:42)"), e.getMessage());
    assertTrue(e.getMessage().contains("has no ONNX mapping"), e.getMessage());
  }

  @Test
  void valueComputedOutsideTheTapeFails() {
    Linear linear = new Linear(3, 3, new Random(7));
    OnnxExport export = OnnxExport.builder(linear).input("x", Tensor.randn(43, 2, 3)).build();
    // the mask is computed from the input's values with a plain array: tracing would freeze it
    OnnxExportException e =
        assertThrows(
            OnnxExportException.class,
            () ->
                export.toModel(
                    in -> {
                      Tensor x = in.tensor("x");
                      float[] v = x.toFloatArray();
                      float[] mask = new float[v.length];
                      for (int i = 0; i < v.length; i++) {
                        mask[i] = v[i] > 0 ? 1 : 0;
                      }
                      return List.of(linear.forward(x).mul(Tensor.of(mask, 2, 3)));
                    }));
    assertTrue(e.getMessage().contains("changes with the inputs"), e.getMessage());
    assertTrue(e.getMessage().contains("'mul'"), e.getMessage());
  }

  @Test
  void controlFlowOnInputValuesFails() {
    OnnxExport export =
        OnnxExport.builder(null).input("x", Tensor.of(new float[] {1, -1, 2}, 3)).build();
    OnnxExportException e =
        assertThrows(
            OnnxExportException.class,
            () ->
                export.toModel(
                    in ->
                        List.of(
                            in.tensor("x").get(0) > 0
                                ? in.tensor("x").exp()
                                : in.tensor("x").tanh())));
    assertTrue(e.getMessage().contains("different ops"), e.getMessage());
  }

  @Test
  void lengthsNotDeclaredAsAnInputFail() {
    Gru gru = Gru.builder(2, 3).build(new Random(8));
    OnnxExport export = OnnxExport.builder(gru).input("x", Tensor.randn(44, 4, 2, 2)).build();
    OnnxExportException e =
        assertThrows(
            OnnxExportException.class,
            () ->
                export.toModel(
                    in -> List.of(gru.forward(in.tensor("x"), new int[] {4, 2}).output())));
    assertTrue(e.getMessage().contains("lengthsInput"), e.getMessage());
  }

  @Test
  void savesTheFile(@TempDir Path dir) throws Exception {
    Linear linear = new Linear(3, 2, new Random(9));
    Path file = dir.resolve("linear.onnx");
    OnnxExport.Forward forward = in -> List.of(linear.forward(in.tensor("x")));
    OnnxExport.builder(linear)
        .input("x", Tensor.randn(45, 1, 3))
        .dynamicAxis("x", 0, "n")
        .build()
        .save(forward, file);
    assertSameOutputs(
        Files.readAllBytes(file), forward, Map.of("x", Tensor.randn(46, 6, 3)), Map.of());
    try (var files = Files.list(dir)) {
      assertEquals(
          List.of(file),
          files.collect(Collectors.toCollection(ArrayList::new)),
          "no temporary left");
    }
  }
}
