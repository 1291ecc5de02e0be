package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the PyTorch fixtures written by tools/fixtures_optim.py and builds optimizers from them.
 */
final class Fixtures {
  private static JsonObject root;

  private Fixtures() {}

  static synchronized JsonObject root() {
    if (root == null) {
      try (InputStream in = Fixtures.class.getResourceAsStream("/parity/optim.json")) {
        if (in == null) {
          throw new IllegalStateException(
              "parity/optim.json is missing; run tools/fixtures_optim.py");
        }
        root =
            JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                .getAsJsonObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return root;
  }

  static List<JsonObject> cases(String section) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : root().getAsJsonArray(section)) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  static float[] floats(JsonElement array) {
    JsonArray a = array.getAsJsonArray();
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) a.get(i).getAsDouble(); // exact: the values are float32
    }
    return out;
  }

  static double[] doubles(JsonElement array) {
    JsonArray a = array.getAsJsonArray();
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsDouble();
    }
    return out;
  }

  static int[] ints(JsonElement array) {
    JsonArray a = array.getAsJsonArray();
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  static List<int[]> shapes(JsonObject c) {
    List<int[]> out = new ArrayList<>();
    for (JsonElement e : c.getAsJsonArray("shapes")) {
      out.add(ints(e));
    }
    return out;
  }

  /** Parameters of the case's shapes holding {@code values}, requiring grad. */
  static List<Tensor> params(List<int[]> shapes, JsonArray values) {
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      out.add(Tensor.of(floats(values.get(i)), shapes.get(i)).requiresGrad(true));
    }
    return out;
  }

  /** Builds the case's optimizer over {@code params}, one group per fixture group. */
  static Optimizer optimizer(JsonObject c, List<Tensor> params) {
    String type = c.get("optimizer").getAsString();
    Optimizer opt = null;
    for (JsonElement ge : c.getAsJsonArray("groups")) {
      JsonObject group = ge.getAsJsonObject();
      List<Tensor> groupParams = new ArrayList<>();
      for (int i : ints(group.get("params"))) {
        groupParams.add(params.get(i));
      }
      opt = addGroup(type, opt, groupParams, group.getAsJsonObject("options"));
    }
    return opt;
  }

  private static <T extends Optimizer> OptimizerOptions<T> adamOptions(
      OptimizerOptions<T> o, JsonObject options) {
    for (Map.Entry<String, JsonElement> e : options.entrySet()) {
      JsonElement v = e.getValue();
      switch (e.getKey()) {
        case "lr" -> o = o.lr(v.getAsDouble());
        case "betas" -> o = o.betas(doubles(v)[0], doubles(v)[1]);
        case "eps" -> o = o.eps(v.getAsDouble());
        case "weightDecay" -> o = o.weightDecay(v.getAsDouble());
        case "amsgrad" -> o = o.amsgrad(v.getAsBoolean());
        case "maximize" -> o = o.maximize(v.getAsBoolean());
        default -> fail("unknown Adam option " + e.getKey());
      }
    }
    return o;
  }

  private static Optimizer addGroup(
      String type, Optimizer opt, List<Tensor> params, JsonObject options) {
    return switch (type) {
      case "Sgd" -> {
        OptimizerOptions<Sgd> o = Sgd.options();
        for (Map.Entry<String, JsonElement> e : options.entrySet()) {
          JsonElement v = e.getValue();
          switch (e.getKey()) {
            case "lr" -> o = o.lr(v.getAsDouble());
            case "momentum" -> o = o.momentum(v.getAsDouble());
            case "dampening" -> o = o.dampening(v.getAsDouble());
            case "weightDecay" -> o = o.weightDecay(v.getAsDouble());
            case "nesterov" -> o = o.nesterov(v.getAsBoolean());
            case "maximize" -> o = o.maximize(v.getAsBoolean());
            default -> fail("unknown Sgd option " + e.getKey());
          }
        }
        if (opt == null) {
          yield new Sgd(params, o);
        }
        ((Sgd) opt).addParamGroup(params, o);
        yield opt;
      }
      case "Adam" -> {
        OptimizerOptions<Adam> o = adamOptions(Adam.options(), options);
        if (opt == null) {
          yield new Adam(params, o);
        }
        opt.addParamGroup(params, o);
        yield opt;
      }
      case "AdamW" -> {
        OptimizerOptions<AdamW> o = adamOptions(AdamW.options(), options);
        if (opt == null) {
          yield new AdamW(params, o);
        }
        opt.addParamGroup(params, o);
        yield opt;
      }
      case "RmsProp" -> {
        OptimizerOptions<RmsProp> o = RmsProp.options();
        for (Map.Entry<String, JsonElement> e : options.entrySet()) {
          JsonElement v = e.getValue();
          switch (e.getKey()) {
            case "lr" -> o = o.lr(v.getAsDouble());
            case "alpha" -> o = o.alpha(v.getAsDouble());
            case "eps" -> o = o.eps(v.getAsDouble());
            case "weightDecay" -> o = o.weightDecay(v.getAsDouble());
            case "momentum" -> o = o.momentum(v.getAsDouble());
            case "centered" -> o = o.centered(v.getAsBoolean());
            case "maximize" -> o = o.maximize(v.getAsBoolean());
            default -> fail("unknown RmsProp option " + e.getKey());
          }
        }
        if (opt == null) {
          yield new RmsProp(params, o);
        }
        ((RmsProp) opt).addParamGroup(params, o);
        yield opt;
      }
      case "Adagrad" -> {
        OptimizerOptions<Adagrad> o = Adagrad.options();
        for (Map.Entry<String, JsonElement> e : options.entrySet()) {
          JsonElement v = e.getValue();
          switch (e.getKey()) {
            case "lr" -> o = o.lr(v.getAsDouble());
            case "lrDecay" -> o = o.lrDecay(v.getAsDouble());
            case "weightDecay" -> o = o.weightDecay(v.getAsDouble());
            case "initialAccumulatorValue" -> o = o.initialAccumulatorValue(v.getAsDouble());
            case "eps" -> o = o.eps(v.getAsDouble());
            case "maximize" -> o = o.maximize(v.getAsBoolean());
            default -> fail("unknown Adagrad option " + e.getKey());
          }
        }
        if (opt == null) {
          yield new Adagrad(params, o);
        }
        ((Adagrad) opt).addParamGroup(params, o);
        yield opt;
      }
      default -> throw new AssertionError("unknown optimizer " + type);
    };
  }

  /** Builds a schedule from a fixture's {@code schedule} name and {@code args}. */
  static Object schedule(Optimizer opt, String type, JsonObject args) {
    return switch (type) {
      case "StepLr" ->
          new StepLr(opt, args.get("stepSize").getAsInt(), args.get("gamma").getAsDouble());
      case "MultiStepLr" ->
          new MultiStepLr(opt, ints(args.get("milestones")), args.get("gamma").getAsDouble());
      case "ExponentialLr" -> new ExponentialLr(opt, args.get("gamma").getAsDouble());
      case "CosineAnnealingLr" ->
          new CosineAnnealingLr(opt, args.get("tMax").getAsInt(), args.get("etaMin").getAsDouble());
      case "LinearWarmup" -> {
        int warmup = args.get("warmupSteps").getAsInt();
        double start = args.get("startFactor").getAsDouble();
        if (!args.has("then")) {
          yield new LinearWarmup(opt, warmup, start);
        }
        JsonObject then = args.getAsJsonObject("then");
        LrSchedule inner =
            (LrSchedule)
                schedule(opt, then.get("schedule").getAsString(), then.getAsJsonObject("args"));
        yield new LinearWarmup(opt, warmup, start, inner);
      }
      case "ReduceLrOnPlateau" -> {
        ReduceLrOnPlateau.Options o = ReduceLrOnPlateau.options();
        for (Map.Entry<String, JsonElement> e : args.entrySet()) {
          JsonElement v = e.getValue();
          switch (e.getKey()) {
            case "mode" ->
                o = o.mode(ReduceLrOnPlateau.Mode.valueOf(v.getAsString().toUpperCase()));
            case "factor" -> o = o.factor(v.getAsDouble());
            case "patience" -> o = o.patience(v.getAsInt());
            case "threshold" -> o = o.threshold(v.getAsDouble());
            case "thresholdMode" ->
                o =
                    o.thresholdMode(
                        ReduceLrOnPlateau.ThresholdMode.valueOf(v.getAsString().toUpperCase()));
            case "cooldown" -> o = o.cooldown(v.getAsInt());
            case "minLr" -> o = o.minLr(v.getAsDouble());
            default -> fail("unknown ReduceLrOnPlateau option " + e.getKey());
          }
        }
        yield new ReduceLrOnPlateau(opt, o);
      }
      default -> throw new AssertionError("unknown schedule " + type);
    };
  }
}
