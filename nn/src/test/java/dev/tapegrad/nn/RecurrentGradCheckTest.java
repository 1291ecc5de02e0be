package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.GradCheck;
import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of every cell and sequence layer with respect to inputs, initial
 * states and parameters. The checked output concatenates everything a caller can differentiate:
 * outputs, and final hidden and cell states (so gradients flowing out of c_n are covered).
 */
class RecurrentGradCheckTest {
  private final Random random = new Random(42);

  private Tensor randn(int... shape) {
    return Tensor.randn(random, shape).requiresGrad(true);
  }

  private static Tensor flat(Tensor... parts) {
    List<Tensor> list = new ArrayList<>();
    for (Tensor t : parts) {
      if (t != null) {
        list.add(t.reshape(-1));
      }
    }
    return Tensor.cat(list, 0);
  }

  private static Tensor[] concat(List<Tensor> first, List<Tensor> rest) {
    List<Tensor> all = new ArrayList<>(first);
    all.addAll(rest);
    return all.toArray(new Tensor[0]);
  }

  private static List<Tensor> tail(Tensor[] in, int from) {
    return Arrays.asList(in).subList(from, in.length);
  }

  private static void assertChecked(GradCheckResult result) {
    assertTrue(result.passed(), result.report());
  }

  @Test
  void rnnCellTanhAndRelu() {
    for (RnnCell.Nonlinearity act : RnnCell.Nonlinearity.values()) {
      RnnCell cell = new RnnCell(3, 4, act, true, random);
      Tensor[] inputs = concat(List.of(randn(2, 3), randn(2, 4)), cell.parameters());
      assertChecked(GradCheck.assertGradients(in -> cell.forwardWith(tail(in, 2), in[0], in[1]), inputs));
    }
  }

  @Test
  void lstmCellWithBothStatesOut() {
    LstmCell cell = new LstmCell(3, 4, random);
    Tensor[] inputs = concat(List.of(randn(2, 3), randn(2, 4), randn(2, 4)), cell.parameters());
    assertChecked(GradCheck.assertGradients(
        in -> {
          RnnState next = cell.forwardWith(tail(in, 3), in[0], RnnState.of(in[1], in[2]));
          return flat(next.h(), next.c());
        },
        inputs));
  }

  @Test
  void lstmCellUnbatchedWithoutBias() {
    LstmCell cell = new LstmCell(3, 2, false, random);
    Tensor[] inputs = concat(List.of(randn(3), randn(2), randn(2)), cell.parameters());
    assertChecked(GradCheck.assertGradients(
        in -> {
          RnnState next = cell.forwardWith(tail(in, 3), in[0], RnnState.of(in[1], in[2]));
          return flat(next.h(), next.c());
        },
        inputs));
  }

  @Test
  void gruCell() {
    GruCell cell = new GruCell(3, 4, random);
    Tensor[] inputs = concat(List.of(randn(2, 3), randn(2, 4)), cell.parameters());
    assertChecked(GradCheck.assertGradients(in -> cell.forwardWith(tail(in, 2), in[0], in[1]), inputs));
  }

  @Test
  void jordanCellStepAndSequence() {
    JordanCell cell = new JordanCell(3, 4, 2, random);
    Tensor[] step = concat(List.of(randn(2, 3), randn(2, 2)), cell.parameters());
    assertChecked(GradCheck.assertGradients(
        in -> {
          JordanCell.Step s = cell.forwardWith(tail(in, 2), in[0], in[1]);
          return flat(s.h(), s.y());
        },
        step));
    Tensor[] sequence = concat(List.of(randn(4, 2, 3), randn(2, 2)), cell.parameters());
    assertChecked(GradCheck.assertGradients(in -> cell.forwardSequenceWith(tail(in, 2), in[0], in[1]), sequence));
  }

  @Test
  void rnnTwoLayersBidirectional() {
    Rnn rnn = Rnn.builder(2, 3).numLayers(2).bidirectional(true).build(random);
    checkLayer(rnn, randn(4, 2, 2), randn(4, 2, 3), null, null);
  }

  @Test
  void rnnReluBatchFirst() {
    Rnn rnn = Rnn.builder(2, 3).nonlinearity(RnnCell.Nonlinearity.RELU).batchFirst(true).build(random);
    checkLayer(rnn, randn(2, 4, 2), randn(1, 2, 3), null, null);
  }

  @Test
  void lstmTwoLayersBidirectionalBatchFirstThroughHnAndCn() {
    Lstm lstm = Lstm.builder(2, 2).numLayers(2).bidirectional(true).batchFirst(true).build(random);
    checkLayer(lstm, randn(2, 3, 2), randn(4, 2, 2), randn(4, 2, 2), null);
  }

  @Test
  void gruTwoLayersBidirectional() {
    Gru gru = Gru.builder(2, 2).numLayers(2).bidirectional(true).build(random);
    checkLayer(gru, randn(3, 2, 2), randn(4, 2, 2), null, null);
  }

  @Test
  void unbatchedLstmWithoutBias() {
    Lstm lstm = Lstm.builder(2, 3).bias(false).build(random);
    checkLayer(lstm, randn(4, 2), randn(1, 3), randn(1, 3), null);
  }

  @Test
  void variableLengthsBidirectional() {
    Lstm lstm = Lstm.builder(2, 2).numLayers(2).bidirectional(true).build(random);
    checkLayer(lstm, randn(4, 3, 2), randn(4, 3, 2), randn(4, 3, 2), new int[] {2, 4, 1});
    Gru gru = Gru.builder(2, 2).bidirectional(true).batchFirst(true).build(random);
    checkLayer(gru, randn(3, 4, 2), randn(2, 3, 2), null, new int[] {4, 3, 1});
  }

  private static void checkLayer(RecurrentLayer layer, Tensor x, Tensor h0, Tensor c0, int[] lengths) {
    List<Tensor> states = c0 == null ? List.of(x, h0) : List.of(x, h0, c0);
    int offset = states.size();
    RnnOutput own = layer.forward(x, lengths, new RnnState(h0, c0));
    RnnOutput substituted = layer.forwardWith(layer.parameters(), x, lengths, new RnnState(h0, c0));
    assertArrayEquals(own.output().toFloatArray(), substituted.output().toFloatArray());
    assertChecked(GradCheck.assertGradients(
        in -> {
          RnnState initial = new RnnState(in[1], offset == 3 ? in[2] : null);
          RnnOutput out = layer.forwardWith(tail(in, offset), in[0], lengths, initial);
          return flat(out.output(), out.hN(), out.cN());
        },
        concat(states, layer.parameters())));
  }
}
