package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training resumed from a checkpoint continues bit for bit like training that never stopped: 10
 * steps, save optimizer and schedule to safetensors files, load them into fresh objects over fresh
 * parameters, 10 more steps; the result equals 20 uninterrupted steps exactly. Every optimizer
 * configuration is combined with every schedule (and with none).
 */
class ResumeTest {
  private static final int STEPS = 20;
  private static final int SAVE_AFTER = 10;

  /** The third parameter gets gradients only from this step on: it has no state when saved. */
  private static final int LATE_PARAM_FROM = 12;

  @TempDir Path dir;

  /** A schedule of either kind, seen through what the test needs. */
  interface Schedule {
    void step(float metric);

    Map<String, Tensor> stateDict();

    void save(Path file) throws IOException;

    void load(Path file) throws IOException;

    static Schedule of(LrSchedule s) {
      return new Schedule() {
        public void step(float metric) {
          s.step();
        }

        public Map<String, Tensor> stateDict() {
          return s.stateDict();
        }

        public void save(Path file) throws IOException {
          s.save(file);
        }

        public void load(Path file) throws IOException {
          s.load(file);
        }
      };
    }

    static Schedule of(ReduceLrOnPlateau s) {
      return new Schedule() {
        public void step(float metric) {
          s.step(metric);
        }

        public Map<String, Tensor> stateDict() {
          return s.stateDict();
        }

        public void save(Path file) throws IOException {
          s.save(file);
        }

        public void load(Path file) throws IOException {
          s.load(file);
        }
      };
    }
  }

  static Map<String, Function<Optimizer, Schedule>> schedules() {
    Map<String, Function<Optimizer, Schedule>> m = new LinkedHashMap<>();
    m.put("no schedule", o -> null);
    m.put("StepLr", o -> Schedule.of(new StepLr(o, 3, 0.5)));
    m.put("MultiStepLr", o -> Schedule.of(new MultiStepLr(o, new int[] {4, 11, 15}, 0.3)));
    m.put("ExponentialLr", o -> Schedule.of(new ExponentialLr(o, 0.9)));
    m.put("CosineAnnealingLr", o -> Schedule.of(new CosineAnnealingLr(o, 7, 1e-3)));
    m.put("LinearWarmup", o -> Schedule.of(new LinearWarmup(o, 5, 0.1)));
    m.put(
        "LinearWarmup then cosine, saved in warm-up",
        o -> Schedule.of(new LinearWarmup(o, 12, 0.1, new CosineAnnealingLr(o, 6))));
    m.put(
        "LinearWarmup then cosine, saved after",
        o -> Schedule.of(new LinearWarmup(o, 4, 0.2, new CosineAnnealingLr(o, 20, 1e-4))));
    m.put(
        "ReduceLrOnPlateau",
        o ->
            Schedule.of(
                new ReduceLrOnPlateau(
                    o, ReduceLrOnPlateau.options().patience(2).cooldown(1).factor(0.5))));
    return m;
  }

  @TestFactory
  Stream<DynamicTest> resumedTrainingEqualsUninterruptedTraining() {
    Map<String, Function<List<Tensor>, Optimizer>> optimizers = Configs.all();
    optimizers.putAll(Configs.twoGroups());
    List<DynamicTest> tests = new ArrayList<>();
    for (var opt : optimizers.entrySet()) {
      for (var schedule : schedules().entrySet()) {
        String name = opt.getKey() + " + " + schedule.getKey();
        tests.add(
            DynamicTest.dynamicTest(name, () -> check(name, opt.getValue(), schedule.getValue())));
      }
    }
    return tests.stream();
  }

  private void check(
      String name,
      Function<List<Tensor>, Optimizer> makeOptimizer,
      Function<Optimizer, Schedule> makeSchedule)
      throws IOException {
    // Uninterrupted.
    List<Tensor> straight = initialParams();
    Optimizer straightOpt = makeOptimizer.apply(straight);
    Schedule straightSchedule = makeSchedule.apply(straightOpt);
    train(straight, straightOpt, straightSchedule, 0, STEPS);

    // Interrupted: train, save, and continue in fresh objects.
    List<Tensor> first = initialParams();
    Optimizer firstOpt = makeOptimizer.apply(first);
    Schedule firstSchedule = makeSchedule.apply(firstOpt);
    train(first, firstOpt, firstSchedule, 0, SAVE_AFTER);
    Path optFile = dir.resolve("optimizer.safetensors");
    Path scheduleFile = dir.resolve("schedule.safetensors");
    firstOpt.save(optFile);
    if (firstSchedule != null) {
      firstSchedule.save(scheduleFile);
    }

    List<Tensor> resumed = new ArrayList<>();
    for (Tensor p : first) {
      resumed.add(
          Tensor.of(p.toFloatArray(), p.shape()).requiresGrad(true)); // the model's own checkpoint
    }
    Optimizer resumedOpt = makeOptimizer.apply(resumed);
    Schedule resumedSchedule =
        makeSchedule.apply(resumedOpt); // build both as at the start, then load
    resumedOpt.load(optFile);
    if (resumedSchedule != null) {
      resumedSchedule.load(scheduleFile);
    }
    train(resumed, resumedOpt, resumedSchedule, SAVE_AFTER, STEPS);

    for (int i = 0; i < straight.size(); i++) {
      assertArrayEquals(
          straight.get(i).toFloatArray(), resumed.get(i).toFloatArray(), name + ": parameter " + i);
    }
    for (int g = 0; g < straightOpt.paramGroups().size(); g++) {
      assertEquals(
          straightOpt.paramGroups().get(g).lr(),
          resumedOpt.paramGroups().get(g).lr(),
          name + ": lr " + g);
    }
    assertSameState(name, straightOpt.stateDict(), resumedOpt.stateDict());
    if (straightSchedule != null) {
      assertSameState(name, straightSchedule.stateDict(), resumedSchedule.stateDict());
    }
  }

  private static void assertSameState(
      String name, Map<String, Tensor> expected, Map<String, Tensor> actual) {
    assertEquals(expected.keySet(), actual.keySet(), name);
    for (String key : expected.keySet()) {
      assertArrayEquals(expected.get(key).shape(), actual.get(key).shape(), name + ": " + key);
      assertArrayEquals(
          expected.get(key).toFloatArray(), actual.get(key).toFloatArray(), name + ": " + key);
    }
  }

  private static List<Tensor> initialParams() {
    return List.of(
        Tensor.randn(11L, 3, 4).requiresGrad(true),
        Tensor.randn(12L, 5).requiresGrad(true),
        Tensor.randn(13L, 2).requiresGrad(true));
  }

  /** A smooth non-quadratic loss, so gradients depend on the parameters in a non-trivial way. */
  private static void train(
      List<Tensor> params, Optimizer opt, Schedule schedule, int from, int to) {
    Tensor target = Tensor.randn(14L, 3, 4);
    for (int step = from; step < to; step++) {
      opt.zeroGrad();
      Tensor loss =
          params
              .get(0)
              .sub(target)
              .square()
              .mean()
              .add(params.get(1).tanh().sub(0.3f).square().sum());
      if (step >= LATE_PARAM_FROM) {
        loss = loss.add(params.get(2).exp().sum());
      }
      loss.backward();
      opt.step();
      if (schedule != null) {
        schedule.step(step < 5 ? 1f - 0.1f * step : 0.5f);
      }
    }
  }
}
