package dev.tapegrad.nn;

import static dev.tapegrad.nn.BlockGradCheck.assertGradients;
import static dev.tapegrad.nn.BlockGradCheck.assertSecondOrderGradients;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.GradCheckOptions;
import dev.tapegrad.autograd.Profiler;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.kernel.KernelThreads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The fused recurrent nodes against the composed cells they replace: the same values and the same
 * gradients for inputs, initial states and every parameter, to 1e-5 relative, over random and
 * awkward configurations; and gradient checks of both orders through the fused nodes.
 */
class FusedRecurrenceTest {
  private static final double TOLERANCE = 1e-5;

  /** One configuration of a sequence layer and its call. */
  private record LayerCase(
      String kind,
      int input,
      int hidden,
      int layers,
      boolean bidirectional,
      boolean batchFirst,
      boolean bias,
      float dropout,
      int steps,
      int batch,
      boolean batched,
      boolean initial,
      int[] lengths,
      long seed) {

    @Override
    public String toString() {
      return String.format(
          "%s in=%d H=%d layers=%d bidirectional=%s batchFirst=%s bias=%s dropout=%s T=%d B=%d"
              + " batched=%s initial=%s lengths=%s seed=%d",
          kind,
          input,
          hidden,
          layers,
          bidirectional,
          batchFirst,
          bias,
          dropout,
          steps,
          batch,
          batched,
          initial,
          Arrays.toString(lengths),
          seed);
    }

    RecurrentLayer build() {
      RecurrentLayer.Builder<? extends RecurrentLayer> builder =
          switch (kind) {
            case "lstm" -> Lstm.builder(input, hidden);
            case "gru" -> Gru.builder(input, hidden);
            case "relu" -> Rnn.builder(input, hidden).nonlinearity(RnnCell.Nonlinearity.RELU);
            default -> Rnn.builder(input, hidden);
          };
      return builder
          .numLayers(layers)
          .bidirectional(bidirectional)
          .batchFirst(batchFirst)
          .bias(bias)
          .dropout(dropout)
          .build(new Random(seed));
    }

    /** The layer's inputs: x, then h0 (and c0) when the case has an initial state. */
    Tensor[] inputs() {
      Random random = new Random(~seed);
      int[] shape =
          !batched
              ? new int[] {steps, input}
              : batchFirst ? new int[] {batch, steps, input} : new int[] {steps, batch, input};
      List<Tensor> in = new ArrayList<>();
      in.add(Tensor.uniform(random, -2, 2, shape).requiresGrad(true));
      if (initial) {
        int count = layers * (bidirectional ? 2 : 1);
        int[] state = batched ? new int[] {count, batch, hidden} : new int[] {count, hidden};
        in.add(Tensor.uniform(random, -1, 1, state).requiresGrad(true));
        if (kind.equals("lstm")) {
          in.add(Tensor.uniform(random, -1, 1, state).requiresGrad(true));
        }
      }
      return in.toArray(new Tensor[0]);
    }

    /** Everything the layer returns, flattened: outputs, final h, final c. */
    Tensor run(RecurrentLayer layer, Tensor... in) {
      RnnState state = in.length == 1 ? null : new RnnState(in[1], in.length == 3 ? in[2] : null);
      RnnOutput out = layer.forward(in[0], lengths, state);
      List<Tensor> parts = new ArrayList<>(List.of(out.output().reshape(-1), out.hN().reshape(-1)));
      if (out.cN() != null) {
        parts.add(out.cN().reshape(-1));
      }
      return Tensor.cat(parts, 0);
    }
  }

  private static LayerCase randomCase(String kind, long seed) {
    Random r = new Random(seed);
    int layers = 1 + r.nextInt(3);
    int steps = 1 + r.nextInt(4);
    int batch = 1 + r.nextInt(3);
    boolean batched = r.nextInt(5) > 0;
    int[] lengths = null;
    if (batched && r.nextBoolean()) {
      lengths = new int[batch];
      for (int b = 0; b < batch; b++) {
        lengths[b] = 1 + r.nextInt(steps);
      }
    }
    return new LayerCase(
        kind,
        1 + r.nextInt(3),
        1 + r.nextInt(3),
        layers,
        r.nextBoolean(),
        r.nextBoolean(),
        r.nextInt(4) > 0,
        layers > 1 && r.nextBoolean() ? 0.3f : 0f,
        steps,
        batch,
        batched,
        r.nextBoolean(),
        lengths,
        seed);
  }

  /** The value and every gradient of {@code sum(v * f)} for a fixed random v. */
  private record Outcome(Tensor value, List<Tensor> gradients) {}

  private static Outcome outcome(
      Block model, Function<Tensor[], Tensor> f, Tensor[] inputs, boolean fused) {
    Tensor[] leaves = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      leaves[i] = Tensor.of(inputs[i].toFloatArray(), inputs[i].shape()).requiresGrad(true);
    }
    model.zeroGrad();
    Tensor value;
    if (fused) {
      value = f.apply(leaves);
    } else {
      try (var composed = FusedRecurrence.disable()) {
        value = f.apply(leaves);
      }
    }
    Tensor v = Tensor.uniform(new Random(7), 0.5f, 1.5f, value.shape());
    value.mul(v).sum().backward();
    List<Tensor> gradients = new ArrayList<>();
    for (Tensor leaf : leaves) {
      gradients.add(leaf.grad() == null ? Tensor.zeros(leaf.shape()) : leaf.grad());
    }
    for (Tensor p : model.parameters()) {
      gradients.add(p.grad() == null ? Tensor.zeros(p.shape()) : p.grad());
    }
    return new Outcome(value, gradients);
  }

  private static void assertAgree(Outcome composed, Outcome fused, String what) {
    try {
      Close.assertClose(composed.value(), fused.value(), TOLERANCE);
      assertEquals(composed.gradients().size(), fused.gradients().size());
      for (int i = 0; i < composed.gradients().size(); i++) {
        Close.assertClose(composed.gradients().get(i), fused.gradients().get(i), TOLERANCE);
      }
    } catch (AssertionError e) {
      throw new AssertionError(what + ": " + e.getMessage(), e);
    }
  }

  /** Two layers built alike (same weights, same dropout stream), one run fused, one composed. */
  private static void assertLayerAgrees(LayerCase c) {
    Tensor[] inputs = c.inputs();
    RecurrentLayer composedLayer = c.build();
    RecurrentLayer fusedLayer = c.build();
    Outcome composed = outcome(composedLayer, in -> c.run(composedLayer, in), inputs, false);
    Outcome fused = outcome(fusedLayer, in -> c.run(fusedLayer, in), inputs, true);
    assertAgree(composed, fused, c.toString());
  }

  @Test
  void layersAgreeWithTheComposedCellsOverRandomConfigurations() {
    for (String kind : new String[] {"tanh", "relu", "lstm", "gru"}) {
      qt().withExamples(25)
          .forAll(longs().all())
          .checkAssert(seed -> assertLayerAgrees(randomCase(kind, seed)));
    }
  }

  @Test
  void fusedLayersGiveTheSameBitsAtOneTwoAndThreeThreads() {
    // batch entries run on different threads, so every bit must not depend on the split
    int saved = KernelThreads.threads();
    try {
      for (String kind : List.of("lstm", "gru", "tanh", "relu")) {
        for (long seed = 0; seed < 3; seed++) {
          int[] lengths = seed == 1 ? new int[] {5, 1, 3, 5, 2, 4, 5} : null;
          LayerCase c =
              new LayerCase(
                  kind,
                  3,
                  // 4 x 70 gates: a product deeper than one packed block of 256
                  seed == 0 ? 70 : 9,
                  2,
                  seed == 2,
                  false,
                  true,
                  0f,
                  5,
                  7,
                  true,
                  seed > 0,
                  lengths,
                  seed);
          Outcome reference = null;
          for (int threads : new int[] {1, 2, 3}) {
            KernelThreads.setThreads(threads);
            RecurrentLayer layer = c.build();
            Outcome o = outcome(layer, in -> c.run(layer, in), c.inputs(), true);
            if (reference == null) {
              reference = o;
              continue;
            }
            String what = c + " at " + threads + " threads";
            assertArrayEquals(reference.value().toFloatArray(), o.value().toFloatArray(), what);
            for (int i = 0; i < o.gradients().size(); i++) {
              assertArrayEquals(
                  reference.gradients().get(i).toFloatArray(),
                  o.gradients().get(i).toFloatArray(),
                  what + ", gradient " + i);
            }
          }
        }
      }
    } finally {
      KernelThreads.setThreads(saved);
    }
  }

  @Test
  void layersAgreeAtAwkwardSizes() {
    for (String kind : new String[] {"tanh", "relu", "lstm", "gru"}) {
      // B = 1, H = 1, T = 1
      assertLayerAgrees(
          new LayerCase(kind, 1, 1, 1, false, false, true, 0f, 1, 1, true, false, null, 1));
      assertLayerAgrees(
          new LayerCase(kind, 1, 1, 1, true, true, true, 0f, 1, 1, true, true, new int[] {1}, 2));
      // three layers, bidirectional, batch first, initial states, lengths, dropout with a seed
      assertLayerAgrees(
          new LayerCase(
              kind, 3, 2, 3, true, true, true, 0.4f, 5, 4, true, true, new int[] {5, 1, 3, 2}, 3));
      // unbatched, without biases
      assertLayerAgrees(
          new LayerCase(kind, 2, 3, 2, true, false, false, 0f, 3, 1, false, true, null, 4));
    }
  }

  @Test
  void cellsAgreeWithTheirComposedSteps() {
    qt().withExamples(40)
        .forAll(
            integers().between(1, 3),
            integers().between(1, 3),
            integers().between(0, 3),
            longs().all())
        .checkAssert(
            (input, hidden, batch, seed) -> {
              Random random = new Random(seed);
              boolean bias = random.nextBoolean();
              // batch 0 stands for unbatched input
              int[] x = batch == 0 ? new int[] {input} : new int[] {batch, input};
              int[] h = batch == 0 ? new int[] {hidden} : new int[] {batch, hidden};
              Tensor[] inputs = {
                Tensor.uniform(random, -2, 2, x),
                Tensor.uniform(random, -1, 1, h),
                Tensor.uniform(random, -1, 1, h)
              };
              for (RnnCell.Nonlinearity act : RnnCell.Nonlinearity.values()) {
                RnnCell cell = new RnnCell(input, hidden, act, bias, new Random(seed));
                assertCellAgrees(cell, in -> cell.forward(in[0], in[1]), inputs);
              }
              LstmCell lstm = new LstmCell(input, hidden, bias, new Random(seed));
              assertCellAgrees(
                  lstm,
                  in -> {
                    RnnState s = lstm.forward(in[0], RnnState.of(in[1], in[2]));
                    return Tensor.cat(List.of(s.h().reshape(-1), s.c().reshape(-1)), 0);
                  },
                  inputs);
              GruCell gru = new GruCell(input, hidden, bias, new Random(seed));
              assertCellAgrees(gru, in -> gru.forward(in[0], in[1]), inputs);
              int out = 1 + random.nextInt(3);
              JordanCell jordan =
                  new JordanCell(
                      input, hidden, out, RnnCell.Nonlinearity.TANH, bias, new Random(seed));
              int[] y = batch == 0 ? new int[] {out} : new int[] {batch, out};
              Tensor[] jordanInputs = {inputs[0], Tensor.uniform(random, -1, 1, y)};
              assertCellAgrees(
                  jordan,
                  in -> {
                    JordanCell.Step s = jordan.forward(in[0], in[1]);
                    return Tensor.cat(List.of(s.h().reshape(-1), s.y().reshape(-1)), 0);
                  },
                  jordanInputs);
              int steps = 1 + random.nextInt(3);
              int[] sequence =
                  batch == 0 ? new int[] {steps, input} : new int[] {steps, batch, input};
              assertCellAgrees(
                  jordan,
                  in -> jordan.forwardSequence(in[0], in[1]),
                  new Tensor[] {Tensor.uniform(random, -2, 2, sequence), jordanInputs[1]});
            });
  }

  private static void assertCellAgrees(Block cell, Function<Tensor[], Tensor> f, Tensor[] inputs) {
    assertAgree(outcome(cell, f, inputs, false), outcome(cell, f, inputs, true), cell.toString());
  }

  @Test
  void eachLayerAndDirectionIsOneNodeAndEachCellStepToo() {
    Lstm lstm = Lstm.builder(3, 4).numLayers(3).bidirectional(true).build(new Random(1));
    Tensor x = Tensor.randn(new Random(2), 7, 2, 3).requiresGrad(true);
    try (Profiler profiler = Profiler.start()) {
      lstm.forward(x).output().sum().backward();
      Map<String, Profiler.OpStats> stats = profiler.stats();
      assertEquals(6, stats.get("lstmFused").calls(), profiler.report());
      assertFalse(stats.containsKey("sigmoid"), profiler.report());
    }
    try (Profiler profiler = Profiler.start();
        var composed = FusedRecurrence.disable()) {
      assertFalse(FusedRecurrence.isEnabled());
      lstm.forward(x).output().sum().backward();
      assertFalse(profiler.stats().containsKey("lstmFused"), profiler.report());
      assertNotNull(profiler.stats().get("sigmoid"), profiler.report());
    }
    assertTrue(FusedRecurrence.isEnabled());
    GruCell gru = new GruCell(2, 3, new Random(3));
    try (Profiler profiler = Profiler.start()) {
      gru.forward(Tensor.randn(new Random(4), 2, 2).requiresGrad(true));
      assertEquals(1, profiler.stats().get("gruFused").calls(), profiler.report());
    }
  }

  @Test
  void theSwitchIsPerThreadAndItsScopesNest() throws InterruptedException {
    assertTrue(FusedRecurrence.isEnabled());
    try (var outer = FusedRecurrence.disable()) {
      try (var inner = FusedRecurrence.disable()) {
        assertFalse(FusedRecurrence.isEnabled());
      }
      assertFalse(FusedRecurrence.isEnabled(), "closing the inner scope keeps the outer one");
      boolean[] elsewhere = new boolean[1];
      Thread thread = new Thread(() -> elsewhere[0] = FusedRecurrence.isEnabled());
      thread.start();
      thread.join();
      assertTrue(elsewhere[0], "another thread still runs fused");
    }
    assertTrue(FusedRecurrence.isEnabled());
  }

  @Test
  void fusedLayersPassGradCheckOverRandomConfigurations() {
    qt().withExamples(6)
        .forAll(integers().between(0, 3), longs().all())
        .checkAssert(
            (kind, seed) -> {
              LayerCase c = randomCase(new String[] {"tanh", "relu", "lstm", "gru"}[kind], seed);
              // dropout needs a fixed mask per evaluation: check in eval mode
              RecurrentLayer layer = c.build();
              layer.eval();
              assertGradients(layer, in -> c.run(layer, in), c.inputs());
            });
  }

  @Test
  void gradientsRecordedForDoubleBackwardEqualThePlainOnes() {
    Random random = new Random(12);
    LstmCell lstm = new LstmCell(2, 3, random);
    Lstm layer = Lstm.builder(3, 3).numLayers(2).build(random);
    Tensor x = Tensor.uniform(random, -1, 1, 2, 2).requiresGrad(true);
    Tensor h = Tensor.uniform(random, -1, 1, 2, 3).requiresGrad(true);
    Tensor c = Tensor.uniform(random, -1, 1, 2, 3).requiresGrad(true);
    List<Tensor> wrt = new ArrayList<>(List.of(x, h, c));
    wrt.addAll(lstm.parameters());
    wrt.addAll(layer.parameters());
    // two steps of one cell, then a layer over its outputs: inputs whose history reads the same
    // weights
    Supplier<Tensor> loss =
        () -> {
          RnnState first = lstm.forward(x, RnnState.of(h, c));
          RnnState second = lstm.forward(x, first);
          Tensor sequence = Tensor.stack(List.of(first.h(), second.h()), 0);
          return layer.forward(sequence).output().square().sum().add(second.c().sum());
        };
    List<Tensor> plain = Autograd.grad(loss.get(), wrt, false);
    List<Tensor> recorded = Autograd.grad(loss.get(), wrt, true);
    for (int i = 0; i < wrt.size(); i++) {
      assertTrue(recorded.get(i).requiresGrad(), "gradient " + i + " is recorded");
      Close.assertClose(plain.get(i), recorded.get(i).detach(), TOLERANCE);
    }
  }

  @Test
  void aRecordedBackwardRecomputesEachStepOnce() {
    LstmCell lstm = new LstmCell(2, 2, new Random(13));
    Tensor x = Tensor.uniform(new Random(14), -1, 1, 1, 2).requiresGrad(true);
    RnnState state = null;
    int steps = 8;
    for (int t = 0; t < steps; t++) {
      state = lstm.forward(x, state);
    }
    try (Profiler profiler = Profiler.start()) {
      Autograd.grad(state.h().sum(), lstm.parameters(), true);
      // each step's composed recomputation has three sigmoids; the walk must not redo earlier steps
      assertEquals(3 * steps, profiler.stats().get("sigmoid").calls(), profiler.report());
    }
  }

  @Test
  void secondDerivativesGoThroughTheComposedOps() {
    GradCheckOptions options = GradCheckOptions.defaults();
    Random random = new Random(11);
    LstmCell lstm = new LstmCell(2, 2, random);
    Tensor x = Tensor.uniform(random, -1, 1, 2, 2).requiresGrad(true);
    Tensor h = Tensor.uniform(random, -1, 1, 2, 2).requiresGrad(true);
    Tensor c = Tensor.uniform(random, -1, 1, 2, 2).requiresGrad(true);
    assertSecondOrderGradients(
        options, lstm, in -> lstm.forward(in[0], RnnState.of(in[1], in[2])).c(), x, h, c);
    // two steps of one cell: the second step's state depends on the weights it also reads
    assertSecondOrderGradients(
        options,
        lstm,
        in -> lstm.forward(in[0], lstm.forward(in[0], RnnState.of(in[1], in[2]))).h(),
        x,
        h,
        c);
    GruCell gru = new GruCell(2, 2, random);
    assertSecondOrderGradients(
        options, gru, in -> gru.forward(in[0], gru.forward(in[0], in[1])), x, h);
    RnnCell rnn = new RnnCell(2, 2, random);
    assertSecondOrderGradients(options, rnn, in -> rnn.forward(in[0], in[1]), x, h);
    JordanCell jordan = new JordanCell(2, 2, 2, random);
    assertSecondOrderGradients(options, jordan, in -> jordan.forward(in[0], in[1]).y(), x, h);
    assertSecondOrderGradients(
        options,
        jordan,
        in -> jordan.forwardSequence(in[0], in[1]),
        Tensor.uniform(random, -1, 1, 3, 2, 2).requiresGrad(true),
        h);
    // layers: one random projection per input (each failing one is then checked element by element)
    GradCheckOptions projected = options.toBuilder().mode(GradCheckOptions.Mode.PROJECTION).build();
    for (String kind : new String[] {"tanh", "lstm", "gru"}) {
      LayerCase layerCase =
          new LayerCase(
              kind, 2, 2, 2, true, false, true, 0f, 3, 2, true, true, new int[] {3, 2}, 5);
      RecurrentLayer layer = layerCase.build();
      assertSecondOrderGradients(
          projected, layer, in -> layerCase.run(layer, in), layerCase.inputs());
    }
  }
}
