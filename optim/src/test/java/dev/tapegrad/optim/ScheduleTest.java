package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Schedule behaviour beyond the PyTorch sequences of ParityTest. */
class ScheduleTest {
  @TempDir Path dir;

  private static Sgd sgd(double... lrs) {
    Sgd sgd = null;
    for (double lr : lrs) {
      List<Tensor> p = List.of(Tensor.zeros(1).requiresGrad(true));
      if (sgd == null) {
        sgd = new Sgd(p, Sgd.options().lr(lr));
      } else {
        sgd.addParamGroup(p, Sgd.options().lr(lr));
      }
    }
    return sgd;
  }

  @Test
  void constructionIsEpochZeroAndStepsCount() {
    Sgd sgd = sgd(0.1);
    StepLr s = new StepLr(sgd, 2, 0.5);
    assertEquals(0, s.lastEpoch());
    assertEquals(List.of(0.1), s.lastLr());
    s.step();
    s.step();
    assertEquals(2, s.lastEpoch());
    assertEquals(List.of(0.05), s.lastLr());
    assertEquals(0.05, sgd.paramGroups().get(0).lr());
    assertTrue(s.toString().contains("lastEpoch=2"), s.toString());
  }

  @Test
  void schedulesChainAndCountFromTheInitialRate() {
    Sgd sgd = sgd(1.0);
    StepLr step = new StepLr(sgd, 2, 0.5);
    ExponentialLr exp = new ExponentialLr(sgd, 0.9);
    for (int e = 0; e < 4; e++) {
      step.step();
      exp.step();
    }
    // Both multiply the current rate: 1.0 * 0.5^2 * 0.9^4.
    assertEquals(1.0 * 0.5 * 0.9 * 0.9 * 0.5 * 0.9 * 0.9, sgd.paramGroups().get(0).lr(), 1e-15);
    // A third schedule made now still counts from the first schedule's base rate (PyTorch's
    // initial_lr).
    CosineAnnealingLr cosine = new CosineAnnealingLr(sgd, 10);
    assertEquals(1.0, cosine.baseLrs[0]);
  }

  @Test
  void theScheduleAfterAWarmUpIsSteppedOnlyThroughIt() {
    Sgd sgd = sgd(0.1);
    CosineAnnealingLr cosine = new CosineAnnealingLr(sgd, 10);
    LinearWarmup warmup = new LinearWarmup(sgd, 3, 0.5, cosine);
    var e = assertThrows(IllegalStateException.class, cosine::step);
    assertTrue(e.getMessage().contains("LinearWarmup"), e.getMessage());
    assertEquals(0.05, sgd.paramGroups().get(0).lr(), 1e-15);
    for (int i = 0; i < 3; i++) {
      warmup.step();
    }
    assertEquals(
        0.1, sgd.paramGroups().get(0).lr(), 1e-15, "cosine restarts at its epoch 0: the base rate");
    assertEquals(0, cosine.lastEpoch());
    warmup.step();
    assertEquals(1, cosine.lastEpoch());
    assertEquals(4, warmup.lastEpoch());
    assertEquals(cosine.lastLr(), warmup.lastLr());

    var e2 =
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmup(sgd, 3, 0.5, cosine));
    assertTrue(e2.getMessage().contains("already handed"), e2.getMessage());
    StepLr stepped = new StepLr(sgd, 2, 0.5);
    stepped.step();
    var e3 =
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmup(sgd, 3, 0.5, stepped));
    assertTrue(e3.getMessage().contains("stepped 1 times"), e3.getMessage());
    StepLr elsewhere = new StepLr(sgd(0.3), 2, 0.5);
    var e4 =
        assertThrows(
            IllegalArgumentException.class, () -> new LinearWarmup(sgd, 3, 0.5, elsewhere));
    assertTrue(e4.getMessage().contains("another optimizer"), e4.getMessage());
  }

  @Test
  void addingGroupsAfterTheScheduleIsAnError() {
    Sgd sgd = sgd(0.1);
    ExponentialLr exp = new ExponentialLr(sgd, 0.5);
    ReduceLrOnPlateau plateau = new ReduceLrOnPlateau(sgd);
    sgd.addParamGroup(List.of(Tensor.zeros(1).requiresGrad(true)), Sgd.options());
    var e = assertThrows(IllegalStateException.class, exp::step);
    assertTrue(e.getMessage().contains("2 parameter groups but had 1"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> plateau.step(1.0));
  }

  @Test
  void plateauHonoursPerGroupMinimaAndTreatsNaNAsNoImprovement() {
    Sgd sgd = sgd(0.1, 1.0);
    ReduceLrOnPlateau plateau =
        new ReduceLrOnPlateau(
            sgd, ReduceLrOnPlateau.options().patience(0).factor(0.5).minLr(0.08, 0.0));
    plateau.step(1.0);
    assertEquals(1.0, plateau.best());
    plateau.step(Double.NaN);
    assertEquals(List.of(0.08, 0.5), plateau.lastLr());
    plateau.step(2.0);
    assertEquals(List.of(0.08, 0.25), plateau.lastLr(), "the first group stays at its minimum");
    assertEquals(3, plateau.lastEpoch());
    assertEquals(1.0, plateau.best());
  }

  @Test
  void stateDictsRoundTripAndValidate() throws IOException {
    Sgd sgd = sgd(0.1, 0.2);
    LinearWarmup warmup = new LinearWarmup(sgd, 2, 0.1, new CosineAnnealingLr(sgd, 5, 1e-3));
    for (int i = 0; i < 4; i++) {
      warmup.step();
    }
    Map<String, Tensor> state = warmup.stateDict();
    assertEquals(
        List.of(
            "last_epoch",
            "base_lr.0",
            "base_lr.1",
            "last_lr.0",
            "last_lr.1",
            "then.last_epoch",
            "then.base_lr.0",
            "then.base_lr.1",
            "then.last_lr.0",
            "then.last_lr.1"),
        List.copyOf(state.keySet()));
    assertEquals(4.0, StateDicts.readScalar(state.get("last_epoch")));
    assertEquals(2.0, StateDicts.readScalar(state.get("then.last_epoch")));

    Sgd sgd2 = sgd(0.1, 0.2);
    LinearWarmup warmup2 = new LinearWarmup(sgd2, 2, 0.1, new CosineAnnealingLr(sgd2, 5, 1e-3));
    Path file = dir.resolve("schedule.safetensors");
    warmup.save(file);
    sgd2.loadStateDict(sgd.stateDict());
    warmup2.load(file);
    assertEquals(warmup.lastLr(), warmup2.lastLr());
    warmup.step();
    warmup2.step();
    assertEquals(sgd.paramGroups().get(1).lr(), sgd2.paramGroups().get(1).lr());

    Map<String, Tensor> bad = new LinkedHashMap<>(state);
    bad.remove("then.last_epoch");
    bad.put("base_lr.2", StateDicts.scalar(0.1));
    bad.put("last_lr.0", StateDicts.scalar(-1));
    int before = warmup2.lastEpoch();
    var e = assertThrows(IllegalArgumentException.class, () -> warmup2.loadStateDict(bad));
    for (String f :
        List.of(
            "LinearWarmup.loadStateDict",
            "missing keys [then.last_epoch]",
            "unexpected keys [base_lr.2]",
            "last_lr.0")) {
      assertTrue(e.getMessage().contains(f), () -> e.getMessage() + " lacks " + f);
    }
    assertEquals(before, warmup2.lastEpoch(), "unchanged on failure");

    var e2 =
        assertThrows(
            IllegalArgumentException.class, () -> new StepLr(sgd(0.1, 0.2), 2, 0.1).load(file));
    assertTrue(e2.getMessage().contains("holds LinearWarmup state"), e2.getMessage());
  }

  @Test
  void plateauStateRoundTrips() {
    Sgd sgd = sgd(0.1);
    ReduceLrOnPlateau plateau =
        new ReduceLrOnPlateau(sgd, ReduceLrOnPlateau.options().patience(1).cooldown(2));
    for (double m : new double[] {1, 1, 1, 0.5, 0.6}) {
      plateau.step(m);
    }
    Map<String, Tensor> state = plateau.stateDict();
    assertEquals(
        List.of("last_epoch", "best", "num_bad_epochs", "cooldown_counter", "last_lr.0"),
        List.copyOf(state.keySet()));
    ReduceLrOnPlateau fresh =
        new ReduceLrOnPlateau(sgd(0.1), ReduceLrOnPlateau.options().patience(1).cooldown(2));
    assertEquals(Double.POSITIVE_INFINITY, fresh.best());
    fresh.loadStateDict(state);
    assertEquals(0.5, fresh.best());
    assertEquals(5, fresh.lastEpoch());
    assertArrayEquals(
        state.get("cooldown_counter").toFloatArray(),
        fresh.stateDict().get("cooldown_counter").toFloatArray());
    Map<String, Tensor> bad = new LinkedHashMap<>(state);
    bad.put("num_bad_epochs", StateDicts.scalar(-1));
    var e = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(bad));
    assertTrue(e.getMessage().contains("num_bad_epochs = -1.0"), e.getMessage());
  }
}
