package dev.tapegrad.nn;

import static dev.tapegrad.nn.BlockGradCheck.assertGradients;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of every cell and sequence layer with respect to inputs, initial states
 * and parameters. The checked output concatenates everything a caller can differentiate: outputs,
 * and final hidden and cell states (so gradients flowing out of c_n are covered).
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

  private static void assertChecked(GradCheckResult result) {
    assertTrue(result.passed(), result.report());
  }

  @Test
  void rnnCellTanhAndRelu() {
    for (RnnCell.Nonlinearity act : RnnCell.Nonlinearity.values()) {
      RnnCell cell = new RnnCell(3, 4, act, true, random);
      assertChecked(
          assertGradients(cell, in -> cell.forward(in[0], in[1]), randn(2, 3), randn(2, 4)));
    }
  }

  @Test
  void lstmCellWithBothStatesOutBatchedAndUnbatchedWithoutBias() {
    LstmCell batched = new LstmCell(3, 4, random);
    checkLstmCell(batched, randn(2, 3), randn(2, 4), randn(2, 4));
    LstmCell unbatched = new LstmCell(3, 2, false, random);
    checkLstmCell(unbatched, randn(3), randn(2), randn(2));
  }

  private static void checkLstmCell(LstmCell cell, Tensor x, Tensor h, Tensor c) {
    assertChecked(
        assertGradients(
            cell,
            in -> {
              RnnState next = cell.forward(in[0], RnnState.of(in[1], in[2]));
              return flat(next.h(), next.c());
            },
            x,
            h,
            c));
  }

  @Test
  void gruCell() {
    GruCell cell = new GruCell(3, 4, random);
    assertChecked(
        assertGradients(cell, in -> cell.forward(in[0], in[1]), randn(2, 3), randn(2, 4)));
  }

  @Test
  void jordanCellStepAndSequence() {
    JordanCell cell = new JordanCell(3, 4, 2, random);
    assertChecked(
        assertGradients(
            cell,
            in -> {
              JordanCell.Step s = cell.forward(in[0], in[1]);
              return flat(s.h(), s.y());
            },
            randn(2, 3),
            randn(2, 2)));
    assertChecked(
        assertGradients(
            cell, in -> cell.forwardSequence(in[0], in[1]), randn(4, 2, 3), randn(2, 2)));
  }

  @Test
  void rnnTwoLayersBidirectional() {
    Rnn rnn = Rnn.builder(2, 3).numLayers(2).bidirectional(true).build(random);
    checkLayer(rnn, randn(4, 2, 2), randn(4, 2, 3), null, null);
  }

  @Test
  void rnnReluBatchFirst() {
    Rnn rnn =
        Rnn.builder(2, 3).nonlinearity(RnnCell.Nonlinearity.RELU).batchFirst(true).build(random);
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

  private static void checkLayer(
      RecurrentLayer layer, Tensor x, Tensor h0, Tensor c0, int[] lengths) {
    Tensor[] inputs = c0 == null ? new Tensor[] {x, h0} : new Tensor[] {x, h0, c0};
    assertChecked(
        assertGradients(
            layer,
            in -> {
              RnnOutput out =
                  layer.forward(in[0], lengths, new RnnState(in[1], in.length == 3 ? in[2] : null));
              return flat(out.output(), out.hN(), out.cN());
            },
            inputs));
  }
}
