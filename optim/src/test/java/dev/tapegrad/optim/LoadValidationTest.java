package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Optimizer and schedule state that parses but holds values no training run can produce (NaN,
 * infinities, negative second moments, a step count below 1, a negative or infinite learning rate,
 * a flag other than 0 or 1) is refused with a message naming the entry, and leaves the optimizer or
 * schedule unchanged; a fuzz run over mutated files finds no value that slips through.
 */
class LoadValidationTest {
  @TempDir Path dir;

  private static List<Tensor> params() {
    Random random = new Random(3);
    return List.of(
        Tensor.randn(random, 2, 3).requiresGrad(true), Tensor.randn(random, 4).requiresGrad(true));
  }

  /** Every configuration after three steps, with the state those steps made. */
  private static Map<String, Optimizer> trained() {
    Map<String, Optimizer> out = new LinkedHashMap<>();
    for (var c : Configs.all().entrySet()) {
      out.put(c.getKey(), trained(c.getValue()));
    }
    return out;
  }

  private static Optimizer trained(Function<List<Tensor>, Optimizer> make) {
    List<Tensor> p = params();
    Optimizer opt = make.apply(p);
    for (int step = 0; step < 3; step++) {
      for (Tensor t : p) {
        t.setGrad(t.mul(0.5f).add(0.1f));
      }
      opt.step();
    }
    return opt;
  }

  private static Map<String, Tensor> with(Map<String, Tensor> state, String key, Tensor value) {
    Map<String, Tensor> out = new LinkedHashMap<>(state);
    out.put(key, value);
    return out;
  }

  private static Tensor withElement(Tensor t, int index, float value) {
    float[] v = t.toFloatArray();
    v[index] = value;
    return Tensor.of(v, t.shape());
  }

  private static void refused(
      Optimizer opt, Map<String, Tensor> state, String what, String... fragments) {
    Map<String, Tensor> before = opt.stateDict();
    var e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(state), what);
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), what + ": '" + e.getMessage() + "' lacks '" + f + "'");
    }
    Map<String, Tensor> after = opt.stateDict();
    assertEquals(before.keySet(), after.keySet(), what + ": unchanged");
    for (String key : before.keySet()) {
      assertArrayEquals(
          before.get(key).toFloatArray(),
          after.get(key).toFloatArray(),
          what + ": " + key + " unchanged");
    }
  }

  @Test
  void nonFiniteBuffersAreRefusedWithTheirKeyAndElement() {
    for (var c : trained().entrySet()) {
      Optimizer opt = c.getValue();
      Map<String, Tensor> state = opt.stateDict();
      for (String key : state.keySet()) {
        if (!key.startsWith("state.") || key.endsWith(".step")) {
          continue;
        }
        for (float bad :
            new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
          refused(
              opt,
              with(state, key, withElement(state.get(key), 1, bad)),
              c.getKey() + " " + key + " = " + bad,
              key + "[1] = " + bad,
              "must be finite");
        }
      }
    }
  }

  @Test
  void negativeSecondMomentsAndSumsAreRefused() {
    int checked = 0;
    for (var c : trained().entrySet()) {
      Optimizer opt = c.getValue();
      Map<String, Tensor> state = opt.stateDict();
      for (String key : state.keySet()) {
        if (key.endsWith(".exp_avg_sq")
            || key.endsWith(".max_exp_avg_sq")
            || key.endsWith(".square_avg")
            || key.endsWith(".sum")) {
          refused(
              opt,
              with(state, key, withElement(state.get(key), 0, -1e-3f)),
              c.getKey() + " " + key,
              key + "[0] = -0.001",
              "must be >= 0");
          checked++;
        }
      }
    }
    assertTrue(checked >= 18, "every optimizer with such a buffer was checked: " + checked);
  }

  @Test
  void badStepCountsHyperParametersAndFlagsAreRefused() {
    Optimizer adam = trained(p -> new Adam(p, Adam.options().amsgrad(true)));
    Map<String, Tensor> state = adam.stateDict();
    refused(
        adam,
        with(state, "state.0.step", StateDicts.scalar(0)),
        "step 0",
        "state.0.step",
        "integer >= 1");
    refused(
        adam, with(state, "state.0.step", StateDicts.scalar(-3)), "negative step", "state.0.step");
    refused(
        adam,
        with(state, "state.1.step", StateDicts.scalar(Double.NaN)),
        "NaN step",
        "state.1.step");
    refused(
        adam,
        with(state, "state.0.step", StateDicts.scalar(2.5)),
        "fractional step",
        "state.0.step");
    refused(adam, with(state, "group.0.lr", StateDicts.scalar(-0.1)), "negative lr", "lr", "-0.1");
    refused(
        adam,
        with(state, "group.0.lr", StateDicts.scalar(Double.POSITIVE_INFINITY)),
        "infinite lr",
        "lr",
        "Infinity");
    refused(
        adam, with(state, "group.0.eps", StateDicts.scalar(Double.NaN)), "NaN eps", "eps", "NaN");
    refused(
        adam, with(state, "group.0.beta2", StateDicts.scalar(1.0)), "beta2 1", "beta2", "[0, 1)");
    refused(
        adam,
        with(state, "group.0.amsgrad", StateDicts.scalar(0.5)),
        "flag 0.5",
        "group.0.amsgrad",
        "1 or 0");
    refused(
        adam,
        with(state, "group.0.maximize", StateDicts.scalar(2)),
        "flag 2",
        "group.0.maximize",
        "1 or 0");
  }

  @Test
  void scheduleStateWithBadRatesOrPositionsIsRefused() {
    Optimizer sgd = new Sgd(params(), Sgd.options().lr(0.1));
    StepLr schedule = new StepLr(sgd, 2, 0.5);
    schedule.step();
    Map<String, Tensor> state = schedule.stateDict();
    for (var bad :
        List.of(
            Map.entry("base_lr.0", StateDicts.scalar(-0.1)),
            Map.entry("base_lr.0", StateDicts.scalar(Double.NaN)),
            Map.entry("base_lr.0", StateDicts.scalar(Double.POSITIVE_INFINITY)),
            Map.entry("last_lr.0", StateDicts.scalar(Double.NEGATIVE_INFINITY)),
            Map.entry("last_epoch", StateDicts.scalar(-2)),
            Map.entry("last_epoch", StateDicts.scalar(Double.NaN)))) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> schedule.loadStateDict(with(state, bad.getKey(), bad.getValue())),
              bad.toString());
      assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
      assertEquals(1, schedule.lastEpoch(), "unchanged");
    }
    ReduceLrOnPlateau plateau = new ReduceLrOnPlateau(sgd, ReduceLrOnPlateau.options());
    plateau.step(1.0);
    Map<String, Tensor> ps = plateau.stateDict();
    for (var bad :
        List.of(
            Map.entry("best", StateDicts.scalar(Double.NaN)),
            Map.entry("num_bad_epochs", StateDicts.scalar(-1)),
            Map.entry("cooldown_counter", StateDicts.scalar(Double.POSITIVE_INFINITY)),
            Map.entry("last_lr.0", StateDicts.scalar(Double.NaN)))) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> plateau.loadStateDict(with(ps, bad.getKey(), bad.getValue())),
              bad.toString());
      assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
    }
  }

  @Test
  void messagesQuotingAHostileFileAreCapped() {
    Optimizer sgd = trained(p -> new Sgd(p, Sgd.options().momentum(0.9)));
    Map<String, Tensor> state = new LinkedHashMap<>(sgd.stateDict());
    for (int i = 0; i < 5000; i++) {
      state.put("k" + (10000 + i), Tensor.scalar(1f));
    }
    var e = assertThrows(IllegalArgumentException.class, () -> sgd.loadStateDict(state));
    assertTrue(
        e.getMessage().length() <= CheckpointException.MAX_MESSAGE_CHARS,
        "length " + e.getMessage().length());
    assertTrue(e.getMessage().contains("k10019] ... and 4980 more"), e.getMessage());

    Map<String, Tensor> longKey = new LinkedHashMap<>(sgd.stateDict());
    longKey.put("x".repeat(100_000), Tensor.scalar(1f));
    e = assertThrows(IllegalArgumentException.class, () -> sgd.loadStateDict(longKey));
    assertTrue(
        e.getMessage().length() <= CheckpointException.MAX_MESSAGE_CHARS,
        "length " + e.getMessage().length());
    assertTrue(
        e.getMessage().contains("more characters"),
        e.getMessage().substring(e.getMessage().length() - 60));
  }

  /**
   * Fuzz: random float32 values of saved files replaced by NaN, infinities, negatives, zeros and
   * random bits. Each load must fail with an exception or leave a state in which every value holds
   * what a real run guarantees.
   */
  @Test
  void mutatedFilesNeverLoadInvalidValues() throws IOException {
    Random random = new Random(20261201);
    float[] hostile = {
      Float.NaN,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      -1f,
      -1e-30f,
      0f,
      -0f,
      0.5f,
      2f,
      1e30f
    };
    int rejected = 0;
    int loaded = 0;
    List<Map.Entry<String, Optimizer>> configs = new ArrayList<>(trained().entrySet());
    for (int round = 0; round < 400; round++) {
      var c = configs.get(round % configs.size());
      Path file = dir.resolve("state.safetensors");
      c.getValue().save(file);
      byte[] bytes = Files.readAllBytes(file);
      long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      int dataStart = 8 + (int) headerLength;
      int values = (bytes.length - dataStart) / 4;
      int mutations = 1 + random.nextInt(3);
      ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      for (int m = 0; m < mutations; m++) {
        int at = dataStart + 4 * random.nextInt(values);
        float v =
            random.nextInt(4) == 0
                ? Float.intBitsToFloat(random.nextInt())
                : hostile[random.nextInt(hostile.length)];
        data.putFloat(at, v);
      }
      Files.write(file, bytes);
      Optimizer fresh = Configs.all().get(c.getKey()).apply(params());
      try {
        fresh.load(file);
        loaded++;
      } catch (IllegalArgumentException | IOException e) {
        rejected++;
        assertTrue(
            e.getMessage() != null
                && e.getMessage().length() < CheckpointException.MAX_MESSAGE_CHARS,
            e.getMessage());
        continue;
      }
      assertValid(c.getKey() + " round " + round, fresh);
    }
    assertTrue(rejected > 100 && loaded > 20, "rejected " + rejected + ", loaded " + loaded);
  }

  /** What a state made by training guarantees: checked here independently of the loader. */
  private static void assertValid(String what, Optimizer opt) {
    for (ParamGroup group : opt.paramGroups()) {
      for (var e : group.hyperParameters().entrySet()) {
        if (e.getValue() instanceof Double d) {
          assertTrue(d >= 0 && Double.isFinite(d), what + ": " + e);
        }
      }
      assertTrue(
          group.hyperParameters().containsKey("maximize")
              && group.hyperParameters().get("maximize") instanceof Boolean);
    }
    for (var e : opt.stateDict().entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("state.")) {
        continue;
      }
      if (key.endsWith(".step")) {
        double step = StateDicts.readScalar(e.getValue());
        assertTrue(step >= 1 && step == Math.rint(step), what + ": " + key + " = " + step);
        continue;
      }
      boolean nonNegative =
          key.endsWith("sq") || key.endsWith("square_avg") || key.endsWith(".sum");
      for (float v : e.getValue().toFloatArray()) {
        if (!Float.isFinite(v) || (nonNegative && v < 0)) {
          fail(what + ": " + key + " holds " + v);
        }
      }
    }
  }
}
