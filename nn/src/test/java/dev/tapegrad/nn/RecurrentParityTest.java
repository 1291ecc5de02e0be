package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares every recurrent cell and layer with PyTorch 1.13.1 on seeded weights and inputs
 * (fixtures from tools/fixtures_rnn.py; weights loaded from safetensors files with {@code
 * Safetensors.load} and {@code loadStateDict}): values to 1e-4 relative, gradients of a random loss
 * with respect to inputs, initial states and parameters to 1e-3.
 */
class RecurrentParityTest {
  private static final double VALUE_TOLERANCE = 1e-4;
  private static final double GRADIENT_TOLERANCE = 1e-3;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rnn_cell_tanh",
        "rnn_cell_relu",
        "lstm_cell",
        "gru_cell",
        "lstm_cell_unbatched",
        "gru_cell_nobias"
      })
  void cellMatchesPyTorch(String name) {
    RnnFixture f = RnnFixture.load(name);
    int in = f.configInt("input_size");
    int hidden = f.configInt("hidden_size");
    boolean bias = f.configBool("bias");
    Random random = new Random(0);
    Block cell =
        switch (f.kind()) {
          case "rnn_cell" -> new RnnCell(in, hidden, nonlinearity(f), bias, random);
          case "lstm_cell" -> new LstmCell(in, hidden, bias, random);
          case "gru_cell" -> new GruCell(in, hidden, bias, random);
          default -> throw new IllegalArgumentException(f.kind());
        };
    cell.loadStateDict(paramsOf(f));
    Tensor x = f.tensor("inputs", "input").requiresGrad(true);
    Tensor h0 = f.tensor("inputs", "h0").requiresGrad(true);
    Tensor c0 = f.tensor("inputs", "c0");
    if (c0 != null) {
      c0.requiresGrad(true);
    }
    Tensor h;
    Tensor c = null;
    if (cell instanceof LstmCell lstm) {
      RnnState next = lstm.forward(x, RnnState.of(h0, c0));
      h = next.h();
      c = next.c();
    } else if (cell instanceof RnnCell rnn) {
      h = rnn.forward(x, h0);
    } else {
      h = ((GruCell) cell).forward(x, h0);
    }
    Tensor loss = h.mul(f.tensor("inputs", "R")).sum();
    if (c != null) {
      loss = loss.add(c.mul(f.tensor("inputs", "S")).sum());
    }
    loss.backward();

    Report report = new Report(name);
    report.value("h", h, f.tensor("expected", "h"));
    if (c != null) {
      report.value("c", c, f.tensor("expected", "c"));
      report.gradient("c0", c0.grad(), f.tensor("grads", "c0"));
    }
    report.gradient("input", x.grad(), f.tensor("grads", "input"));
    report.gradient("h0", h0.grad(), f.tensor("grads", "h0"));
    compareParameterGradients(report, cell, f);
    report.finish();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rnn_tanh_2layer_bidir",
        "rnn_relu_batch_first",
        "lstm_2layer_bidir_batch_first",
        "lstm_1layer_zero_state",
        "lstm_2layer_nobias",
        "gru_2layer_bidir",
        "gru_batch_first",
        "gru_unbatched_bidir",
        "lstm_packed_2layer_bidir",
        "gru_packed_batch_first_bidir",
        "rnn_packed_2layer"
      })
  void layerMatchesPyTorch(String name) {
    RnnFixture f = RnnFixture.load(name);
    RecurrentLayer.Builder<? extends RecurrentLayer> builder =
        switch (f.kind()) {
          case "rnn" ->
              Rnn.builder(f.configInt("input_size"), f.configInt("hidden_size"))
                  .nonlinearity(nonlinearity(f));
          case "lstm" -> Lstm.builder(f.configInt("input_size"), f.configInt("hidden_size"));
          case "gru" -> Gru.builder(f.configInt("input_size"), f.configInt("hidden_size"));
          default -> throw new IllegalArgumentException(f.kind());
        };
    RecurrentLayer layer =
        builder
            .numLayers(f.configInt("num_layers"))
            .bidirectional(f.configBool("bidirectional"))
            .batchFirst(f.configBool("batch_first"))
            .bias(f.configBool("bias"))
            .build(new Random(0));
    layer.loadStateDict(paramsOf(f));
    Tensor x = f.tensor("inputs", "input").requiresGrad(true);
    Tensor h0 = f.tensor("inputs", "h0");
    Tensor c0 = f.tensor("inputs", "c0");
    RnnState initial = null;
    if (h0 != null) {
      h0.requiresGrad(true);
      if (c0 != null) {
        c0.requiresGrad(true);
      }
      initial = new RnnState(h0, c0);
    }
    RnnOutput out = layer.forward(x, f.lengths(), initial);
    Tensor loss =
        out.output()
            .mul(f.tensor("inputs", "R"))
            .sum()
            .add(out.hN().mul(f.tensor("inputs", "S")).sum());
    Tensor u = f.tensor("inputs", "U");
    if (u != null) {
      loss = loss.add(out.cN().mul(u).sum());
    }
    loss.backward();

    Report report = new Report(name);
    report.value("output", out.output(), f.tensor("expected", "output"));
    report.value("h_n", out.hN(), f.tensor("expected", "h_n"));
    if (u != null) {
      report.value("c_n", out.cN(), f.tensor("expected", "c_n"));
    }
    report.gradient("input", x.grad(), f.tensor("grads", "input"));
    if (h0 != null) {
      report.gradient("h0", h0.grad(), f.tensor("grads", "h0"));
    }
    if (c0 != null) {
      report.gradient("c0", c0.grad(), f.tensor("grads", "c0"));
    }
    compareParameterGradients(report, layer, f);
    report.finish();
  }

  private static Map<String, Tensor> paramsOf(RnnFixture f) {
    return f.weights();
  }

  private static void compareParameterGradients(Report report, Block module, RnnFixture f) {
    Map<String, Tensor> expected = f.tensors("grads", "params");
    Map<String, Tensor> actual = module.namedParameters();
    assertEquals(expected.keySet(), actual.keySet(), "parameter names and order");
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "parameter order");
    for (var e : expected.entrySet()) {
      report.gradient("d " + e.getKey(), actual.get(e.getKey()).grad(), e.getValue());
    }
  }

  private static RnnCell.Nonlinearity nonlinearity(RnnFixture f) {
    return f.config().get("nonlinearity").getAsString().equals("relu")
        ? RnnCell.Nonlinearity.RELU
        : RnnCell.Nonlinearity.TANH;
  }

  /** Collects the worst relative errors of one case and fails on any above tolerance. */
  static final class Report {
    private final String name;
    private final StringBuilder failures = new StringBuilder();
    private double worstValue;
    private double worstGradient;

    Report(String name) {
      this.name = name;
    }

    void value(String what, Tensor actual, Tensor expected) {
      worstValue = Math.max(worstValue, check(what, actual, expected, VALUE_TOLERANCE));
    }

    void gradient(String what, Tensor actual, Tensor expected) {
      worstGradient = Math.max(worstGradient, check(what, actual, expected, GRADIENT_TOLERANCE));
    }

    private double check(String what, Tensor actual, Tensor expected, double tolerance) {
      assertNotNull(expected, name + ": fixture lacks " + what);
      assertNotNull(actual, name + ": no result for " + what);
      assertArrayEquals(expected.shape(), actual.shape(), name + ": shape of " + what);
      double error = relativeError(actual.toFloatArray(), expected.toFloatArray());
      if (error > tolerance) {
        failures.append(
            String.format("%n  %s: worst relative error %.3g > %.0g", what, error, tolerance));
      }
      return error;
    }

    void finish() {
      System.out.printf(
          "parity %-32s worst relative error: values %.2e, gradients %.2e%n",
          name, worstValue, worstGradient);
      assertTrue(failures.length() == 0, name + ":" + failures);
    }
  }

  /**
   * The largest {@code |a - e| / max(|e|, floor)}, where the floor, 1e-3 of the largest expected
   * magnitude, keeps elements that are zero up to rounding from dominating.
   */
  static double relativeError(float[] actual, float[] expected) {
    double scale = 0;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    double floor = Math.max(1e-3 * scale, 1e-6);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs((double) actual[i] - expected[i]);
      worst = Math.max(worst, diff / Math.max(Math.abs(expected[i]), floor));
    }
    return worst;
  }
}
