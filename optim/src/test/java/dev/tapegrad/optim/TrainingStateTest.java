package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run saved with one call and resumed with one call in fresh objects continues bit for bit as the
 * run that never stopped.
 */
class TrainingStateTest {
  @TempDir Path dir;

  /** A tiny regression model: the "model state" is a map of parameters. */
  static final class Run {
    final Map<String, Tensor> params = new LinkedHashMap<>();
    final Adam adam;
    final LrSchedule schedule;
    final Random random;
    final TrainingState state;

    Run(long initSeed, long dataSeed) {
      Random init = new Random(initSeed);
      params.put("weight", Tensor.randn(init, 3, 2).requiresGrad(true));
      params.put("bias", Tensor.randn(init, 2).requiresGrad(true));
      adam = new Adam(List.copyOf(params.values()), Adam.options().lr(0.05).amsgrad(true));
      schedule = new LinearWarmup(adam, 4, 0.1, new CosineAnnealingLr(adam, 20, 1e-3));
      random = new Random(dataSeed);
      state =
          TrainingState.of(() -> params, this::loadParams)
              .optimizer(adam)
              .schedule(schedule)
              .random("data", random);
    }

    void loadParams(Map<String, Tensor> loaded) {
      if (!loaded.keySet().equals(params.keySet())) {
        throw new IllegalArgumentException("keys " + loaded.keySet() + " vs " + params.keySet());
      }
      try (var scope = Autograd.noGrad()) {
        loaded.forEach((k, v) -> params.get(k).copyFrom(v));
      }
    }

    void step() {
      // an odd number of Gaussians per step, so a Gaussian is pending at every save
      Tensor x = Tensor.of(gaussians(5 * 3), 5, 3);
      Tensor y = Tensor.of(gaussians(5 * 2), 5, 2);
      Tensor loss = x.matmul(params.get("weight")).add(params.get("bias")).sub(y).square().mean();
      adam.zeroGrad();
      loss.backward();
      adam.step();
      schedule.step();
    }

    float[] gaussians(int n) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) random.nextGaussian();
      }
      return v;
    }
  }

  @Test
  void saveAndResumeEqualsTheUninterruptedRunBitForBit() throws IOException {
    Run straight = new Run(1, 2);
    for (int i = 0; i < 16; i++) {
      straight.step();
    }

    Run first = new Run(1, 2);
    for (int i = 0; i < 7; i++) {
      first.step();
    }
    Path file = dir.resolve("run.safetensors");
    first.state.save(file, 7, Map.of("note", "half way"));

    Run resumed = new Run(99, 98); // different weights and generator until loaded
    TrainingState.Resumed r = resumed.state.load(file);
    assertEquals(7, r.step());
    assertEquals(Map.of("note", "half way"), r.metadata());
    for (long i = r.step(); i < 16; i++) {
      resumed.step();
    }
    for (String name : straight.params.keySet()) {
      assertArrayEquals(
          straight.params.get(name).toFloatArray(), resumed.params.get(name).toFloatArray(), name);
    }
    assertEquals(straight.schedule.lastLr(), resumed.schedule.lastLr());
    assertEquals(straight.random.nextGaussian(), resumed.random.nextGaussian());
    assertEquals(straight.random.nextLong(), resumed.random.nextLong());
  }

  @Test
  void aRandomIsCapturedAndRestoredExactlyWithOrWithoutAPendingGaussian() {
    qt().withExamples(200)
        .forAll(longs().all(), integers().between(0, 9), integers().between(0, 9))
        .checkAssert(
            (seed, ints, gaussians) -> {
              Random original = new Random(seed);
              for (int i = 0; i < ints; i++) {
                original.nextInt();
              }
              for (int i = 0; i < gaussians; i++) {
                original.nextGaussian();
              }
              TrainingState.RandomState saved = TrainingState.capture(original);
              assertEquals(gaussians % 2 == 1, saved.haveNextNextGaussian());
              Random copy = new Random(~seed);
              copy.nextGaussian();
              TrainingState.restore(copy, saved);
              assertEquals(saved, TrainingState.capture(copy));
              for (int i = 0; i < 3; i++) {
                assertEquals(original.nextGaussian(), copy.nextGaussian());
                assertEquals(original.nextInt(), copy.nextInt());
              }
            });
  }

  @Test
  void theCapturedSeedIsRandomsOwn() {
    // new Random(s) starts from the scrambled seed s ^ 0x5DEECE66D, as its documentation says
    assertEquals(
        (12345L ^ 0x5DEECE66DL) & ((1L << 48) - 1),
        TrainingState.capture(new Random(12345)).seed());
  }

  @Test
  void aMismatchedFileChangesNothing() throws IOException {
    Run run = new Run(1, 2);
    run.step();
    Path file = dir.resolve("run.safetensors");
    run.state.save(file, 1);

    Run other = new Run(5, 6);
    float[] weightBefore = other.params.get("weight").toFloatArray();
    Map<String, Tensor> adamBefore = other.adam.stateDict();
    // model and optimizer load fine, then a later part rejects the file: both are put back
    other.state.part(
        "ema.",
        Map::of,
        m -> {
          throw new IllegalArgumentException("no ema entries");
        });
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> other.state.load(file));
    assertTrue(e.getMessage().contains("ema. no ema entries"), e.getMessage());
    assertArrayEquals(weightBefore, other.params.get("weight").toFloatArray());
    assertEquals(adamBefore.keySet(), other.adam.stateDict().keySet());
    assertEquals(0, other.schedule.lastEpoch());

    // another optimizer's state
    Sgd sgd = new Sgd(List.copyOf(other.params.values()), Sgd.options().lr(0.1));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TrainingState.of(() -> other.params, other::loadParams)
                    .optimizer(sgd)
                    .schedule(other.schedule)
                    .load(file));
    assertTrue(
        e.getMessage().contains("holds the optimizer state of Adam, not of Sgd"), e.getMessage());
  }

  @Test
  void generatorsWhoseStateCannotBeSetAreRejected() {
    TrainingState state = TrainingState.of(Map::of, m -> {});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> state.random("r", new SecureRandom()));
    assertTrue(e.getMessage().contains("java.security.SecureRandom"), e.getMessage());
    state.random("r", new Random(1));
    assertThrows(IllegalArgumentException.class, () -> state.random("r", new Random(2)));
    assertThrows(IllegalArgumentException.class, () -> state.part("random.", Map::of, m -> {}));
  }
}
