package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Step-for-step parity with PyTorch 1.13 on the fixtures of tools/fixtures_optim.py: every
 * optimizer option over 20 steps, every schedule's rate sequence, and gradient clipping.
 */
class ParityTest {
  /** The bar: 1e-5 relative, with an absolute floor for values near 0. */
  static final double RTOL = 1e-5;

  static final double ATOL = 1e-6;

  /** Schedules are double arithmetic in PyTorch's order, so they agree far more closely. */
  static final double SCHEDULE_RTOL = 1e-12;

  // Worst errors seen, per kind (optimizers, schedules, clipping), printed after the run.
  private static final double[] worstRelative = new double[3];
  private static final double[] worstAbsolute = new double[3];
  private static final String[] worstCase = new String[3];

  private static synchronized void record(int kind, String where, double expected, double actual) {
    double abs = Math.abs(actual - expected);
    worstAbsolute[kind] = Math.max(worstAbsolute[kind], abs);
    // Relative error is reported for values away from 0, where the absolute floor does not apply.
    if (Math.abs(expected) >= 1e-2 && abs / Math.abs(expected) > worstRelative[kind]) {
      worstRelative[kind] = abs / Math.abs(expected);
      worstCase[kind] = where + " (expected " + expected + ", got " + actual + ")";
    }
  }

  private static void assertClose(
      int kind, String where, double expected, double actual, double rtol, double atol) {
    record(kind, where, expected, actual);
    assertTrue(
        Math.abs(actual - expected) <= atol + rtol * Math.abs(expected),
        () -> where + ": expected " + expected + ", got " + actual);
  }

  @AfterAll
  static void report() {
    String[] kinds = {"optimizers", "schedules", "clipping"};
    for (int k = 0; k < 3; k++) {
      System.out.printf(
          "parity %s: worst relative error %.3g (|expected| >= 1e-2) at %s; worst absolute error %.3g%n",
          kinds[k], worstRelative[k], worstCase[k], worstAbsolute[k]);
    }
  }

  @Test
  void fixturesCoverEveryOptimizerAndSchedule() {
    List<String> optimizers = new ArrayList<>();
    Fixtures.cases("optimizers").forEach(c -> optimizers.add(c.get("optimizer").getAsString()));
    for (String type : List.of("Sgd", "Adam", "AdamW", "RmsProp", "Adagrad")) {
      assertTrue(optimizers.contains(type), type);
    }
    List<String> schedules = new ArrayList<>();
    Fixtures.cases("schedules").forEach(c -> schedules.add(c.get("schedule").getAsString()));
    for (String type :
        List.of(
            "StepLr",
            "MultiStepLr",
            "ExponentialLr",
            "CosineAnnealingLr",
            "LinearWarmup",
            "ReduceLrOnPlateau")) {
      assertTrue(schedules.contains(type), type);
    }
    assertEquals(20, Fixtures.root().get("steps").getAsInt());
  }

  @TestFactory
  Stream<DynamicTest> optimizers() {
    return Fixtures.cases("optimizers").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> runOptimizer(c)));
  }

  private static void runOptimizer(JsonObject c) {
    String name = c.get("name").getAsString();
    List<int[]> shapes = Fixtures.shapes(c);
    List<Tensor> params = Fixtures.params(shapes, c.getAsJsonArray("initial"));
    Optimizer opt = Fixtures.optimizer(c, params);
    JsonArray grads = c.getAsJsonArray("grads");
    JsonArray expected = c.getAsJsonArray("params");
    assertEquals(grads.size(), expected.size());
    for (int step = 0; step < grads.size(); step++) {
      for (int i = 0; i < params.size(); i++) {
        JsonElement g = grads.get(step).getAsJsonArray().get(i);
        params.get(i).setGrad(g.isJsonNull() ? null : Tensor.of(Fixtures.floats(g), shapes.get(i)));
      }
      opt.step();
      for (int i = 0; i < params.size(); i++) {
        float[] want = Fixtures.floats(expected.get(step).getAsJsonArray().get(i));
        float[] got = params.get(i).toFloatArray();
        for (int k = 0; k < want.length; k++) {
          assertClose(
              0,
              name + " step " + (step + 1) + " param " + i + "[" + k + "]",
              want[k],
              got[k],
              RTOL,
              ATOL);
        }
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> schedules() {
    return Fixtures.cases("schedules").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> runSchedule(c)));
  }

  private static void runSchedule(JsonObject c) {
    String name = c.get("name").getAsString();
    double[] baseLrs = Fixtures.doubles(c.get("baseLrs"));
    Sgd opt = null;
    for (double lr : baseLrs) {
      List<Tensor> p = List.of(Tensor.zeros(1).requiresGrad(true));
      if (opt == null) {
        opt = new Sgd(p, Sgd.options().lr(lr));
      } else {
        opt.addParamGroup(p, Sgd.options().lr(lr));
      }
    }
    Object schedule =
        Fixtures.schedule(opt, c.get("schedule").getAsString(), c.getAsJsonObject("args"));
    double[] metrics = c.has("metrics") ? Fixtures.doubles(c.get("metrics")) : null;
    JsonArray lrs = c.getAsJsonArray("lrs");
    assertTrue(lrs.size() >= 31, "at least 30 steps");
    for (int step = 0; step < lrs.size(); step++) {
      if (step > 0) {
        if (metrics == null) {
          ((LrSchedule) schedule).step();
        } else {
          ((ReduceLrOnPlateau) schedule).step(metrics[step - 1]);
        }
      }
      double[] want = Fixtures.doubles(lrs.get(step));
      List<Double> last =
          schedule instanceof LrSchedule s ? s.lastLr() : ((ReduceLrOnPlateau) schedule).lastLr();
      for (int g = 0; g < want.length; g++) {
        double got = opt.paramGroups().get(g).lr();
        assertClose(1, name + " epoch " + step + " group " + g, want[g], got, SCHEDULE_RTOL, 0);
        assertEquals(got, last.get(g), name + " lastLr");
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> clipping() {
    return Fixtures.cases("clip").stream()
        .map(c -> DynamicTest.dynamicTest(c.get("name").getAsString(), () -> runClip(c)));
  }

  private static void runClip(JsonObject c) {
    String name = c.get("name").getAsString();
    List<int[]> shapes = Fixtures.shapes(c);
    List<Tensor> params = new ArrayList<>();
    JsonArray grads = c.getAsJsonArray("grads");
    for (int i = 0; i < shapes.size(); i++) {
      Tensor p = Tensor.zeros(shapes.get(i)).requiresGrad(true);
      if (!grads.get(i).isJsonNull()) {
        p.setGrad(Tensor.of(Fixtures.floats(grads.get(i)), shapes.get(i)));
      }
      params.add(p);
    }
    if (c.has("clipValue")) {
      GradClip.clipGradValue(params, c.get("clipValue").getAsDouble());
    } else {
      JsonElement nt = c.get("normType");
      double normType =
          nt.getAsJsonPrimitive().isString() ? Double.POSITIVE_INFINITY : nt.getAsDouble();
      float total = GradClip.clipGradNorm(params, c.get("maxNorm").getAsDouble(), normType);
      assertClose(2, name + " total norm", c.get("totalNorm").getAsDouble(), total, RTOL, 0);
    }
    JsonArray clipped = c.getAsJsonArray("clipped");
    for (int i = 0; i < params.size(); i++) {
      if (clipped.get(i).isJsonNull()) {
        assertNull(params.get(i).grad(), name + ": a parameter without gradient keeps none");
        continue;
      }
      float[] want = Fixtures.floats(clipped.get(i));
      float[] got = params.get(i).grad().toFloatArray();
      for (int k = 0; k < want.length; k++) {
        assertClose(2, name + " grad " + i + "[" + k + "]", want[k], got[k], RTOL, ATOL);
      }
    }
  }
}
