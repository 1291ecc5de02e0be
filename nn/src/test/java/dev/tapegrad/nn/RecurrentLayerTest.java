package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecurrentLayerTest {

  @Test
  void parameterNamesShapesAndOrderFollowPyTorch() {
    Lstm lstm = Lstm.builder(3, 5).numLayers(2).bidirectional(true).build(new Random(1));
    List<String> expected = new ArrayList<>();
    for (String suffix : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
      for (String p : List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh")) {
        expected.add(p + suffix);
      }
    }
    Map<String, Tensor> params = lstm.namedParameters();
    assertEquals(expected, List.copyOf(params.keySet()));
    assertArrayEquals(new int[] {20, 3}, params.get("weight_ih_l0").shape());
    assertArrayEquals(new int[] {20, 10}, params.get("weight_ih_l1_reverse").shape());
    assertArrayEquals(new int[] {20, 5}, params.get("weight_hh_l1").shape());
    assertArrayEquals(new int[] {20}, params.get("bias_hh_l0_reverse").shape());
    assertArrayEquals(
        new int[] {15, 3},
        Gru.builder(3, 5).build(new Random(1)).namedParameters().get("weight_ih_l0").shape());
    assertEquals(
        List.of("weight_ih_l0", "weight_hh_l0"),
        List.copyOf(Rnn.builder(3, 5).bias(false).build(new Random(1)).namedParameters().keySet()));
  }

  @Test
  void aSingleLayerRunsItsCellStepByStep() {
    Random random = new Random(2);
    Tensor x = Tensor.randn(random, 5, 2, 3);
    Tensor h0 = Tensor.randn(random, 1, 2, 4);
    Tensor c0 = Tensor.randn(random, 1, 2, 4);

    Lstm lstm = Lstm.builder(3, 4).build(random);
    LstmCell lstmCell = new LstmCell(3, 4, random);
    lstmCell.loadStateDict(cellWeights(lstm, "_l0"));
    RnnOutput out = lstm.forward(x, h0, c0);
    RnnState state = RnnState.of(h0.reshape(2, 4), c0.reshape(2, 4));
    for (int t = 0; t < 5; t++) {
      state = lstmCell.forward(step(x, t), state);
      assertArrayEquals(state.h().toFloatArray(), step(out.output(), t).toFloatArray(), 1e-6f);
    }
    assertArrayEquals(state.h().toFloatArray(), out.hN().toFloatArray(), 1e-6f);
    assertArrayEquals(state.c().toFloatArray(), out.cN().toFloatArray(), 1e-6f);

    Gru gru = Gru.builder(3, 4).build(random);
    GruCell gruCell = new GruCell(3, 4, random);
    gruCell.loadStateDict(cellWeights(gru, "_l0"));
    RnnOutput gruOut = gru.forward(x, h0);
    Tensor h = h0.reshape(2, 4);
    for (int t = 0; t < 5; t++) {
      h = gruCell.forward(step(x, t), h);
    }
    assertArrayEquals(h.toFloatArray(), gruOut.hN().toFloatArray(), 1e-6f);
    assertNull(gruOut.cN());

    Rnn rnn = Rnn.builder(3, 4).nonlinearity(RnnCell.Nonlinearity.RELU).build(random);
    RnnCell rnnCell = new RnnCell(3, 4, RnnCell.Nonlinearity.RELU, true, random);
    rnnCell.loadStateDict(cellWeights(rnn, "_l0"));
    h = h0.reshape(2, 4);
    for (int t = 0; t < 5; t++) {
      h = rnnCell.forward(step(x, t), h);
    }
    assertArrayEquals(h.toFloatArray(), rnn.forward(x, h0).hN().toFloatArray(), 1e-6f);
  }

  @Test
  void theReverseDirectionRunsBackwardsInTime() {
    Random random = new Random(3);
    Tensor x = Tensor.randn(random, 4, 2, 3);
    Gru gru = Gru.builder(3, 4).bidirectional(true).build(random);
    GruCell forward = new GruCell(3, 4, random);
    forward.loadStateDict(cellWeights(gru, "_l0"));
    GruCell backward = new GruCell(3, 4, random);
    backward.loadStateDict(cellWeights(gru, "_l0_reverse"));
    RnnOutput out = gru.forward(x);
    assertArrayEquals(new int[] {4, 2, 8}, out.output().shape());
    assertArrayEquals(new int[] {2, 2, 4}, out.hN().shape());
    Tensor hf = null;
    Tensor hb = null;
    for (int t = 0; t < 4; t++) {
      hf = forward.forward(step(x, t), hf);
      assertArrayEquals(
          hf.toFloatArray(), step(out.output(), t).narrow(1, 0, 4).toFloatArray(), 1e-6f);
    }
    for (int t = 3; t >= 0; t--) {
      hb = backward.forward(step(x, t), hb);
      assertArrayEquals(
          hb.toFloatArray(), step(out.output(), t).narrow(1, 4, 4).toFloatArray(), 1e-6f);
    }
    assertArrayEquals(hf.toFloatArray(), step(out.hN(), 0).toFloatArray(), 1e-6f);
    assertArrayEquals(hb.toFloatArray(), step(out.hN(), 1).toFloatArray(), 1e-6f);
  }

  @Test
  void batchFirstAndUnbatchedLayoutsGiveTheSameNumbers() {
    Random random = new Random(4);
    Tensor x = Tensor.randn(random, 5, 3, 2);
    Tensor h0 = Tensor.randn(random, 4, 3, 6);
    Tensor c0 = Tensor.randn(random, 4, 3, 6);
    Lstm timeMajor = Lstm.builder(2, 6).numLayers(2).bidirectional(true).build(new Random(9));
    Lstm batchMajor =
        Lstm.builder(2, 6).numLayers(2).bidirectional(true).batchFirst(true).build(new Random(9));
    RnnOutput a = timeMajor.forward(x, h0, c0);
    RnnOutput b = batchMajor.forward(x.transpose(0, 1), h0, c0);
    assertArrayEquals(new int[] {3, 5, 12}, b.output().shape());
    assertArrayEquals(a.output().transpose(0, 1).toFloatArray(), b.output().toFloatArray());
    assertArrayEquals(a.hN().toFloatArray(), b.hN().toFloatArray());
    assertArrayEquals(a.cN().toFloatArray(), b.cN().toFloatArray());

    RnnOutput single =
        timeMajor.forward(
            x.narrow(1, 2, 1).reshape(5, 2),
            h0.narrow(1, 2, 1).reshape(4, 6),
            c0.narrow(1, 2, 1).reshape(4, 6));
    assertArrayEquals(new int[] {5, 12}, single.output().shape());
    assertArrayEquals(new int[] {4, 6}, single.hN().shape());
    assertArrayEquals(
        a.output().narrow(1, 2, 1).toFloatArray(), single.output().toFloatArray(), 1e-6f);
    assertArrayEquals(a.cN().narrow(1, 2, 1).toFloatArray(), single.cN().toFloatArray(), 1e-6f);
  }

  @Test
  void paddedStepsChangeNothingAndEachSequenceEndsAtItsLength() {
    Random random = new Random(5);
    int steps = 6;
    int[] lengths = {4, 6, 1};
    Tensor x = Tensor.randn(random, steps, 3, 2);
    Tensor h0 = Tensor.randn(random, 4, 3, 3);
    Tensor c0 = Tensor.randn(random, 4, 3, 3);
    Lstm lstm = Lstm.builder(2, 3).numLayers(2).bidirectional(true).build(random);
    RnnOutput out = lstm.forward(x, lengths, RnnState.of(h0, c0));
    for (int b = 0; b < 3; b++) {
      // the same sequence alone, cut to its length
      Tensor alone = x.narrow(1, b, 1).narrow(0, 0, lengths[b]);
      RnnOutput ref = lstm.forward(alone, RnnState.of(h0.narrow(1, b, 1), c0.narrow(1, b, 1)));
      assertArrayEquals(
          ref.hN().toFloatArray(), out.hN().narrow(1, b, 1).toFloatArray(), 1e-6f, "h_n of " + b);
      assertArrayEquals(
          ref.cN().toFloatArray(), out.cN().narrow(1, b, 1).toFloatArray(), 1e-6f, "c_n of " + b);
      Tensor valid = out.output().narrow(1, b, 1).narrow(0, 0, lengths[b]);
      assertArrayEquals(
          ref.output().toFloatArray(), valid.toFloatArray(), 1e-6f, "outputs of " + b);
      if (lengths[b] < steps) {
        Tensor padded = out.output().narrow(1, b, 1).narrow(0, lengths[b], steps - lengths[b]);
        assertArrayEquals(
            new float[padded.numel()], padded.toFloatArray(), "padded outputs of " + b);
      }
    }
  }

  @Test
  void paddedInputsGetExactlyZeroGradientAndDoNotMatter() {
    Random random = new Random(6);
    int[] lengths = {2, 5, 3};
    float[] data = Tensor.randn(random, 5, 3, 2).toFloatArray();
    Tensor x = Tensor.of(data, 5, 3, 2).requiresGrad(true);
    Gru gru = Gru.builder(2, 4).numLayers(2).bidirectional(true).build(random);
    RnnOutput out = gru.forward(x, lengths);
    Tensor weights = Tensor.randn(random, 5, 3, 8);
    out.output().mul(weights).sum().add(out.hN().sum()).backward();
    float[] grad = x.grad().toFloatArray();
    float[] changed = data.clone();
    for (int t = 0; t < 5; t++) {
      for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 2; i++) {
          int k = (t * 3 + b) * 2 + i;
          if (t >= lengths[b]) {
            assertEquals(0f, grad[k], "gradient of padded input t=" + t + " b=" + b);
            changed[k] = 100f * (i + 1);
          } else {
            assertTrue(grad[k] != 0f, "gradient of valid input t=" + t + " b=" + b);
          }
        }
      }
    }
    RnnOutput again = gru.forward(Tensor.of(changed, 5, 3, 2), lengths);
    assertArrayEquals(out.output().toFloatArray(), again.output().toFloatArray());
    assertArrayEquals(out.hN().toFloatArray(), again.hN().toFloatArray());
  }

  @Test
  void fullLengthsEqualNoLengths() {
    Random random = new Random(7);
    Tensor x = Tensor.randn(random, 2, 4, 3);
    Rnn rnn = Rnn.builder(3, 5).bidirectional(true).batchFirst(true).build(random);
    RnnOutput plain = rnn.forward(x);
    RnnOutput withLengths = rnn.forward(x, new int[] {4, 4});
    assertArrayEquals(plain.output().toFloatArray(), withLengths.output().toFloatArray());
    assertArrayEquals(plain.hN().toFloatArray(), withLengths.hN().toFloatArray());
    // batch first: lengths count along dimension 1
    RnnOutput shorter = rnn.forward(x, new int[] {2, 4});
    assertArrayEquals(
        new float[2 * 10], shorter.output().narrow(0, 0, 1).narrow(1, 2, 2).toFloatArray());
  }

  @Test
  void dropoutActsBetweenLayersInTrainingOnly() {
    Random random = new Random(8);
    Tensor x = Tensor.randn(random, 4, 2, 3);
    Lstm withDropout = Lstm.builder(3, 8).numLayers(2).dropout(0.5f).build(new Random(1));
    Lstm without = Lstm.builder(3, 8).numLayers(2).build(new Random(1));
    assertEquals(without.stateDict().keySet(), withDropout.stateDict().keySet());
    float[] reference = without.forward(x).output().toFloatArray();
    float[] trained = withDropout.forward(x).output().toFloatArray();
    assertFalse(Arrays.equals(reference, trained), "dropout changes the training output");
    withDropout.eval();
    assertArrayEquals(reference, withDropout.forward(x).output().toFloatArray());
    withDropout.train();
    Lstm twin = Lstm.builder(3, 8).numLayers(2).dropout(0.5f).build(new Random(1));
    assertArrayEquals(trained, twin.forward(x).output().toFloatArray(), "seeded masks repeat");
  }

  @Test
  void builderRejectsSettingsThatWouldDoNothingOrAreInvalid() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Lstm.builder(3, 4).dropout(0.2f).build(new Random(1)));
    assertTrue(
        e.getMessage().contains("Lstm") && e.getMessage().contains("numLayers > 1"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Gru.builder(3, 4).numLayers(0));
    assertThrows(IllegalArgumentException.class, () -> Gru.builder(3, 4).dropout(1f));
    assertThrows(IllegalArgumentException.class, () -> Rnn.builder(0, 4));
    var s =
        assertThrows(
            IllegalStateException.class,
            () -> Gru.builder(3, 4).nonlinearity(RnnCell.Nonlinearity.RELU));
    assertTrue(s.getMessage().startsWith("Gru"), s.getMessage());
    Rnn rnn =
        Rnn.builder(3, 4)
            .numLayers(3)
            .batchFirst(true)
            .dropout(0.1f)
            .nonlinearity(RnnCell.Nonlinearity.RELU)
            .build(new Random(1));
    assertEquals(3, rnn.numLayers());
    assertTrue(rnn.isBatchFirst());
    assertFalse(rnn.isBidirectional());
    assertTrue(rnn.hasBias());
    assertEquals(0.1f, rnn.dropout());
    assertEquals(RnnCell.Nonlinearity.RELU, rnn.nonlinearity());
    assertTrue(
        rnn.toString()
            .startsWith("Rnn(3, 4, numLayers=3, batchFirst=true, dropout=0.1, nonlinearity=relu)"),
        rnn.toString());
  }

  @Test
  void badInputsNameTheLayerAndTheShapes() {
    Lstm lstm = Lstm.builder(3, 4).numLayers(2).build(new Random(1));
    Tensor x = Tensor.zeros(5, 2, 3);
    assertMessage(
        () -> lstm.forward(Tensor.zeros(5, 2, 4)),
        "Lstm: input must be [T, B, 3] (or [T, 3] unbatched), got [5, 2, 4]");
    assertMessage(() -> lstm.forward(Tensor.zeros(3)), "got [3]");
    assertMessage(
        () -> lstm.forward(x, Tensor.zeros(2, 2, 4), Tensor.zeros(1, 2, 4)),
        "Lstm: initial state has shape [1, 2, 4], expected [2, 2, 4]");
    assertMessage(
        () -> lstm.forward(x, Tensor.zeros(2, 3, 4), Tensor.zeros(2, 2, 4)),
        "[2, 3, 4], expected [2, 2, 4]");
    assertMessage(
        () -> lstm.forward(x, RnnState.of(Tensor.zeros(2, 2, 4))),
        "Lstm: the initial state needs a cell state");
    assertMessage(() -> lstm.forward(x, Tensor.zeros(2, 2, 4), null), "Lstm: give both h0 and c0");
    assertMessage(() -> lstm.forward(x, new int[] {5}), "Lstm: 1 lengths given for a batch of 2");
    assertMessage(
        () -> lstm.forward(x, new int[] {5, 6}), "Lstm: lengths[1] = 6 is outside [1, 5]");
    assertMessage(() -> lstm.forward(x, new int[] {0, 5}), "lengths[0] = 0");
    assertMessage(
        () -> lstm.forward(Tensor.zeros(5, 3), new int[] {5}), "Lstm: lengths need batched input");
    assertMessage(
        () -> lstm.forward(Tensor.zeros(0, 2, 3)), "Lstm: input [0, 2, 3] has no time steps");
    Gru gru = Gru.builder(3, 4).batchFirst(true).build(new Random(1));
    assertMessage(() -> gru.forward(Tensor.zeros(5, 2, 4)), "Gru: input must be [B, T, 3]");
    assertMessage(
        () ->
            gru.forward(
                Tensor.zeros(2, 5, 3), RnnState.of(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2, 4))),
        "Gru: the initial state has a cell state");
    assertMessage(
        () -> gru.forward(Tensor.zeros(5, 3), Tensor.zeros(1, 1, 4)),
        "Gru: initial state has shape [1, 1, 4], expected [1, 4]");
  }

  private static void assertMessage(
      org.junit.jupiter.api.function.Executable call, String expected) {
    var e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(
        e.getMessage().contains(expected),
        "message '" + e.getMessage() + "' lacks '" + expected + "'");
  }

  @Test
  void backpropagatesThroughTwoThousandSteps() {
    Random random = new Random(10);
    Gru gru = Gru.builder(2, 3).build(random);
    Tensor x = Tensor.randn(random, 2000, 1, 2).requiresGrad(true);
    Tensor h0 = Tensor.zeros(1, 1, 3).requiresGrad(true);
    gru.forward(x, h0).hN().sum().backward();
    assertNotNull(h0.grad());
    assertTrue(Float.isFinite(x.grad().get(0, 0, 0)));
    assertTrue(x.grad().get(1999, 0, 0) != 0f);
  }

  static Tensor step(Tensor sequence, int t) {
    int[] shape = sequence.shape();
    return sequence.narrow(0, t, 1).reshape(Arrays.copyOfRange(shape, 1, shape.length));
  }

  /** A layer's weights for one layer and direction under a cell's names. */
  static Map<String, Tensor> cellWeights(RecurrentLayer layer, String suffix) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    layer
        .stateDict()
        .forEach(
            (name, value) -> {
              if (name.endsWith(suffix)) {
                out.put(name.substring(0, name.length() - suffix.length()), value);
              }
            });
    return out;
  }
}
