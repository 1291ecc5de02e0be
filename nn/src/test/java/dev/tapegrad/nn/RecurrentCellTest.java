package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecurrentCellTest {

  @Test
  void parameterNamesShapesAndOrderFollowPyTorch() {
    Random random = new Random(1);
    assertShapes(
        new RnnCell(3, 5, random),
        Map.of(
            "weight_ih",
            new int[] {5, 3},
            "weight_hh",
            new int[] {5, 5},
            "bias_ih",
            new int[] {5},
            "bias_hh",
            new int[] {5}));
    assertShapes(
        new LstmCell(3, 5, random),
        Map.of(
            "weight_ih",
            new int[] {20, 3},
            "weight_hh",
            new int[] {20, 5},
            "bias_ih",
            new int[] {20},
            "bias_hh",
            new int[] {20}));
    assertShapes(
        new GruCell(3, 5, random),
        Map.of(
            "weight_ih",
            new int[] {15, 3},
            "weight_hh",
            new int[] {15, 5},
            "bias_ih",
            new int[] {15},
            "bias_hh",
            new int[] {15}));
    assertEquals(
        List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        List.copyOf(new LstmCell(3, 5, random).namedParameters().keySet()));
    assertEquals(
        List.of("weight_ih", "weight_hh"),
        List.copyOf(new GruCell(3, 5, false, random).namedParameters().keySet()));
    assertEquals(
        List.of("weight_ih", "weight_yh", "bias_ih", "bias_hh", "weight_hy", "bias_hy"),
        List.copyOf(new JordanCell(3, 5, 2, random).namedParameters().keySet()));
    assertArrayEquals(
        new int[] {5, 2},
        new JordanCell(3, 5, 2, random).namedParameters().get("weight_yh").shape());
    assertArrayEquals(
        new int[] {2, 5},
        new JordanCell(3, 5, 2, random).namedParameters().get("weight_hy").shape());
  }

  private static void assertShapes(Block cell, Map<String, int[]> expected) {
    Map<String, Tensor> params = cell.namedParameters();
    assertEquals(expected.keySet(), params.keySet());
    expected.forEach((name, shape) -> assertArrayEquals(shape, params.get(name).shape(), name));
  }

  @Test
  void initialValuesAreUniformWithinOneOverSqrtHiddenAndReproducible() {
    LstmCell a = new LstmCell(7, 16, new Random(5));
    LstmCell b = new LstmCell(7, 16, new Random(5));
    LstmCell c = new LstmCell(7, 16, new Random(6));
    double bound = 1 / Math.sqrt(16);
    for (var e : a.namedParameters().entrySet()) {
      float[] values = e.getValue().toFloatArray();
      float max = 0;
      double mean = 0;
      for (float v : values) {
        assertTrue(Math.abs(v) <= bound, e.getKey() + " value " + v + " outside +-" + bound);
        max = Math.max(max, Math.abs(v));
        mean += v / values.length;
      }
      assertTrue(max > 0.8 * bound, e.getKey() + " does not fill its range: max " + max);
      assertTrue(Math.abs(mean) < 0.25 * bound, e.getKey() + " mean " + mean);
      assertArrayEquals(
          values, b.namedParameters().get(e.getKey()).toFloatArray(), "same seed, same values");
      assertNotEquals(
          List.of(values[0], values[1]),
          List.of(
              c.namedParameters().get(e.getKey()).toFloatArray()[0],
              c.namedParameters().get(e.getKey()).toFloatArray()[1]));
    }
    assertTrue(a.parameters().stream().allMatch(Tensor::requiresGrad));
  }

  @Test
  void lstmCellComputesItsDocumentedEquations() {
    // An independent evaluation in double precision from the Javadoc's equations.
    Random random = new Random(3);
    int in = 3;
    int hidden = 4;
    LstmCell cell = new LstmCell(in, hidden, random);
    Tensor x = Tensor.randn(random, 2, in);
    Tensor h = Tensor.randn(random, 2, hidden);
    Tensor c = Tensor.randn(random, 2, hidden);
    RnnState next = cell.forward(x, RnnState.of(h, c));
    for (int b = 0; b < 2; b++) {
      double[] gates = affine(cell.weightIh(), cell.biasIh(), x, b);
      double[] recurrent = affine(cell.weightHh(), cell.biasHh(), h, b);
      for (int j = 0; j < hidden; j++) {
        double i = sigmoid(gates[j] + recurrent[j]);
        double f = sigmoid(gates[hidden + j] + recurrent[hidden + j]);
        double g = Math.tanh(gates[2 * hidden + j] + recurrent[2 * hidden + j]);
        double o = sigmoid(gates[3 * hidden + j] + recurrent[3 * hidden + j]);
        double cNext = f * c.get(b, j) + i * g;
        assertEquals(cNext, next.c().get(b, j), 1e-5);
        assertEquals(o * Math.tanh(cNext), next.h().get(b, j), 1e-5);
      }
    }
  }

  @Test
  void gruCellComputesItsDocumentedEquations() {
    Random random = new Random(4);
    int hidden = 3;
    GruCell cell = new GruCell(2, hidden, random);
    Tensor x = Tensor.randn(random, 2, 2);
    Tensor h = Tensor.randn(random, 2, hidden);
    Tensor next = cell.forward(x, h);
    for (int b = 0; b < 2; b++) {
      double[] in = affine(cell.weightIh(), cell.biasIh(), x, b);
      double[] rec = affine(cell.weightHh(), cell.biasHh(), h, b);
      for (int j = 0; j < hidden; j++) {
        double r = sigmoid(in[j] + rec[j]);
        double z = sigmoid(in[hidden + j] + rec[hidden + j]);
        double n = Math.tanh(in[2 * hidden + j] + r * rec[2 * hidden + j]);
        assertEquals((1 - z) * n + z * h.get(b, j), next.get(b, j), 1e-5);
      }
    }
  }

  @Test
  void rnnCellComputesTanhAndRelu() {
    Random random = new Random(5);
    for (RnnCell.Nonlinearity act : RnnCell.Nonlinearity.values()) {
      RnnCell cell = new RnnCell(3, 4, act, true, random);
      Tensor x = Tensor.randn(random, 2, 3);
      Tensor h = Tensor.randn(random, 2, 4);
      Tensor next = cell.forward(x, h);
      for (int b = 0; b < 2; b++) {
        double[] in = affine(cell.weightIh(), cell.biasIh(), x, b);
        double[] rec = affine(cell.weightHh(), cell.biasHh(), h, b);
        for (int j = 0; j < 4; j++) {
          double pre = in[j] + rec[j];
          double expected = act == RnnCell.Nonlinearity.TANH ? Math.tanh(pre) : Math.max(pre, 0);
          assertEquals(expected, next.get(b, j), 1e-5, act + " row " + b);
        }
      }
    }
  }

  @Test
  void jordanCellFeedsBackItsOutput() {
    Random random = new Random(6);
    JordanCell cell = new JordanCell(3, 4, 2, random);
    Map<String, Tensor> p = cell.namedParameters();
    Tensor x = Tensor.randn(random, 2, 3);
    Tensor y = Tensor.randn(random, 2, 2);
    JordanCell.Step step = cell.forward(x, y);
    for (int b = 0; b < 2; b++) {
      double[] in = affine(p.get("weight_ih"), p.get("bias_ih"), x, b);
      double[] rec = affine(p.get("weight_yh"), p.get("bias_hh"), y, b);
      double[] hidden = new double[4];
      for (int j = 0; j < 4; j++) {
        hidden[j] = Math.tanh(in[j] + rec[j]);
        assertEquals(hidden[j], step.h().get(b, j), 1e-5);
      }
      for (int o = 0; o < 2; o++) {
        double out = p.get("bias_hy").get(o);
        for (int j = 0; j < 4; j++) {
          out += p.get("weight_hy").get(o, j) * hidden[j];
        }
        assertEquals(out, step.y().get(b, o), 1e-5);
      }
    }
  }

  @Test
  void jordanSequenceEqualsItsStepsAndPassesGradientToY0() {
    Random random = new Random(7);
    JordanCell cell = new JordanCell(3, 5, 2, RnnCell.Nonlinearity.RELU, true, random);
    Tensor inputs = Tensor.randn(random, 6, 2, 3);
    Tensor y0 = Tensor.randn(random, 2, 2).requiresGrad(true);
    Tensor outputs = cell.forwardSequence(inputs, y0);
    assertArrayEquals(new int[] {6, 2, 2}, outputs.shape());
    Tensor y = y0;
    for (int t = 0; t < 6; t++) {
      y = cell.forward(inputs.narrow(0, t, 1).reshape(2, 3), y).y();
      assertArrayEquals(
          y.toFloatArray(), outputs.narrow(0, t, 1).reshape(2, 2).toFloatArray(), 1e-6f);
    }
    outputs.sum().backward();
    assertNotNull(y0.grad());
    Tensor unbatched =
        cell.forwardSequence(
            inputs.narrow(1, 1, 1).reshape(6, 3), y0.detach().narrow(0, 1, 1).reshape(2));
    assertArrayEquals(
        outputs.narrow(1, 1, 1).reshape(6, 2).toFloatArray(), unbatched.toFloatArray(), 1e-6f);
  }

  @Test
  void unbatchedInputEqualsABatchOfOne() {
    Random random = new Random(8);
    Tensor x = Tensor.randn(random, 4);
    Tensor h = Tensor.randn(random, 3);
    Tensor c = Tensor.randn(random, 3);
    RnnCell rnn = new RnnCell(4, 3, random);
    assertArrayEquals(
        rnn.forward(x.unsqueeze(0), h.unsqueeze(0)).toFloatArray(),
        rnn.forward(x, h).toFloatArray());
    assertArrayEquals(new int[] {3}, rnn.forward(x, h).shape());
    GruCell gru = new GruCell(4, 3, random);
    assertArrayEquals(
        gru.forward(x.unsqueeze(0), h.unsqueeze(0)).toFloatArray(),
        gru.forward(x, h).toFloatArray());
    LstmCell lstm = new LstmCell(4, 3, random);
    RnnState batched = lstm.forward(x.unsqueeze(0), RnnState.of(h.unsqueeze(0), c.unsqueeze(0)));
    RnnState single = lstm.forward(x, RnnState.of(h, c));
    assertArrayEquals(new int[] {3}, single.c().shape());
    assertArrayEquals(batched.h().toFloatArray(), single.h().toFloatArray());
    assertArrayEquals(batched.c().toFloatArray(), single.c().toFloatArray());
  }

  @Test
  void missingStateMeansZeros() {
    Random random = new Random(9);
    Tensor x = Tensor.randn(random, 2, 4);
    Tensor zeros = Tensor.zeros(2, 3);
    RnnCell rnn = new RnnCell(4, 3, random);
    assertArrayEquals(rnn.forward(x, zeros).toFloatArray(), rnn.forward(x).toFloatArray());
    GruCell gru = new GruCell(4, 3, random);
    assertArrayEquals(gru.forward(x, zeros).toFloatArray(), gru.forward(x).toFloatArray());
    LstmCell lstm = new LstmCell(4, 3, random);
    assertArrayEquals(
        lstm.forward(x, RnnState.of(zeros, zeros)).c().toFloatArray(),
        lstm.forward(x).c().toFloatArray());
    JordanCell jordan = new JordanCell(4, 3, 2, random);
    assertArrayEquals(
        jordan.forward(x, Tensor.zeros(2, 2)).y().toFloatArray(),
        jordan.forward(x).y().toFloatArray());
  }

  @Test
  void cellsWithoutBiasHaveNone() {
    Random random = new Random(10);
    RnnCell rnn = new RnnCell(2, 3, RnnCell.Nonlinearity.TANH, false, random);
    assertEquals(null, rnn.biasIh());
    // without biases, a zero input and state stay zero
    assertArrayEquals(new float[6], rnn.forward(Tensor.zeros(2, 2)).toFloatArray());
    LstmCell lstm = new LstmCell(2, 3, false, random);
    assertArrayEquals(new float[6], lstm.forward(Tensor.zeros(2, 2)).c().toFloatArray());
  }

  @Test
  void badShapesNameTheCellAndTheShapes() {
    Random random = new Random(11);
    LstmCell lstm = new LstmCell(4, 3, random);
    var e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(2, 5)));
    assertTrue(
        e.getMessage().contains("LstmCell") && e.getMessage().contains("[2, 5]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(2, 3, 4)));
    assertTrue(e.getMessage().contains("[2, 3, 4]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                lstm.forward(
                    Tensor.zeros(2, 4), RnnState.of(Tensor.zeros(3, 3), Tensor.zeros(2, 3))));
    assertTrue(
        e.getMessage().contains("LstmCell: h has shape [3, 3]")
            && e.getMessage().contains("[2, 3]"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                lstm.forward(
                    Tensor.zeros(2, 4), RnnState.of(Tensor.zeros(2, 3), Tensor.zeros(2, 4))));
    assertTrue(e.getMessage().contains("c has shape [2, 4]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> lstm.forward(Tensor.zeros(2, 4), RnnState.of(Tensor.zeros(2, 3))));
    assertTrue(e.getMessage().contains("cell state"), e.getMessage());
    GruCell gru = new GruCell(4, 3, random);
    e =
        assertThrows(
            IllegalArgumentException.class, () -> gru.forward(Tensor.zeros(4), Tensor.zeros(1, 3)));
    assertTrue(
        e.getMessage().contains("GruCell: h has shape [1, 3]")
            && e.getMessage().contains("needs [3]"),
        e.getMessage());
    RnnCell rnn = new RnnCell(4, 3, random);
    e = assertThrows(IllegalArgumentException.class, () -> rnn.forward(Tensor.zeros(3)));
    assertTrue(
        e.getMessage().startsWith("RnnCell: input must be [batch, 4] or [4]"), e.getMessage());
    JordanCell jordan = new JordanCell(4, 3, 2, random);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> jordan.forward(Tensor.zeros(2, 4), Tensor.zeros(2, 3)));
    assertTrue(
        e.getMessage().contains("JordanCell: previousOutput has shape [2, 3]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> jordan.forwardSequence(Tensor.zeros(5, 2, 4), Tensor.zeros(3, 2)));
    assertTrue(e.getMessage().contains("y0 has shape [3, 2]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LstmCell(0, 3, random));
  }

  @Test
  void describesItselfLikePyTorch() {
    String text = new RnnCell(4, 3, RnnCell.Nonlinearity.RELU, true, new Random(1)).toString();
    assertTrue(text.startsWith("RnnCell(4, 3, nonlinearity=relu)"), text);
    assertTrue(text.contains("weight_ih [3, 4]"), text);
  }

  static double[] affine(Tensor weight, Tensor bias, Tensor x, int row) {
    int out = weight.size(0);
    int in = weight.size(1);
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bias == null ? 0 : bias.get(o);
      for (int i = 0; i < in; i++) {
        s += (double) weight.get(o, i) * x.get(row, i);
      }
      y[o] = s;
    }
    return y;
  }

  static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }
}
