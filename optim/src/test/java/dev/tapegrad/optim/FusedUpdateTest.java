package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each optimizer's fused update (one kernel pass per parameter) against the same update composed
 * from tensor ops, one PyTorch operation at a time: bit for bit, for every configuration of {@link
 * Configs}, over steps with gradients holding zeros of both signs.
 */
class FusedUpdateTest {
  private static final int STEPS = 6;

  @TestFactory
  Stream<DynamicTest> fusedUpdatesEqualTheComposedOnesBitForBit() {
    Map<String, Function<List<Tensor>, Optimizer>> configs = new LinkedHashMap<>(Configs.all());
    configs.putAll(Configs.twoGroups());
    configs.put(
        "Sgd maximize",
        p -> new Sgd(p, Sgd.options().lr(0.1).momentum(0.5).maximize(true).weightDecay(0.1)));
    configs.put("Adam maximize", p -> new Adam(p, Adam.options().lr(0.1).maximize(true)));
    configs.put(
        "AdamW maximize amsgrad", p -> new AdamW(p, AdamW.options().maximize(true).amsgrad(true)));
    configs.put(
        "RmsProp maximize centered",
        p -> new RmsProp(p, RmsProp.options().maximize(true).centered(true)));
    configs.put(
        "Adagrad maximize", p -> new Adagrad(p, Adagrad.options().maximize(true).weightDecay(0.5)));
    return configs.entrySet().stream()
        .map(c -> DynamicTest.dynamicTest(c.getKey(), () -> check(c.getKey(), c.getValue())));
  }

  private static List<Tensor> params(long seed) {
    Random random = new Random(seed);
    List<Tensor> out = new ArrayList<>();
    for (int[] shape : new int[][] {{3}, {2, 5}, {37}}) {
      out.add(Tensor.randn(random, shape).requiresGrad(true));
    }
    return out;
  }

  private static void check(String name, Function<List<Tensor>, Optimizer> make) {
    List<Tensor> fusedParams = params(11);
    List<Tensor> composedParams = params(11);
    Optimizer fused = make.apply(fusedParams);
    Optimizer settings = make.apply(params(11)); // read for its groups' hyper-parameters only
    Map<Tensor, Map<String, Tensor>> composedState = new HashMap<>();
    Map<Tensor, ParamGroup> groupOf = new HashMap<>();
    for (int g = 0; g < settings.paramGroups().size(); g++) {
      int first = 0;
      for (int h = 0; h < g; h++) {
        first += settings.paramGroups().get(h).params().size();
      }
      for (int k = 0; k < settings.paramGroups().get(g).params().size(); k++) {
        groupOf.put(composedParams.get(first + k), settings.paramGroups().get(g));
      }
    }
    Random random = new Random(5);
    for (int step = 1; step <= STEPS; step++) {
      for (int i = 0; i < fusedParams.size(); i++) {
        Tensor grad = Tensor.randn(random, fusedParams.get(i).shape());
        float[] g = grad.toFloatArray();
        g[0] = step % 2 == 0 ? -0f : 0f;
        fusedParams.get(i).setGrad(Tensor.of(g.clone(), grad.shape()));
        composedParams.get(i).setGrad(Tensor.of(g.clone(), grad.shape()));
      }
      fused.step();
      try (var scope = Autograd.noGrad()) {
        for (Tensor p : composedParams) {
          Map<String, Tensor> state = composedState.computeIfAbsent(p, k -> new HashMap<>());
          composed(fused, groupOf.get(p), p, p.grad(), state, step);
        }
      }
      for (int i = 0; i < fusedParams.size(); i++) {
        assertArrayEquals(
            bits(composedParams.get(i)),
            bits(fusedParams.get(i)),
            name + ": parameter " + i + " after step " + step);
      }
    }
  }

  private static int[] bits(Tensor t) {
    float[] v = t.toFloatArray();
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Float.floatToIntBits(v[i]);
    }
    return out;
  }

  private static Tensor buffer(Map<String, Tensor> state, String name, Tensor p, float value) {
    return state.computeIfAbsent(name, k -> Tensor.full(value, p.shape()));
  }

  /** The updates as they were written before the fused kernels: PyTorch's in-place op sequence. */
  private static void composed(
      Optimizer opt,
      ParamGroup group,
      Tensor param,
      Tensor grad,
      Map<String, Tensor> state,
      int step) {
    double lr = group.lr();
    double weightDecay = group.get("weight_decay");
    Tensor g = group.flag("maximize") ? grad.neg() : grad;
    if (opt instanceof Sgd) {
      double momentum = group.get("momentum");
      if (weightDecay != 0) {
        g = g.add(param.mul((float) weightDecay));
      }
      if (momentum != 0) {
        Tensor b = state.get("momentum_buffer");
        if (b == null) {
          b = Tensor.of(g.toFloatArray(), g.shape());
          state.put("momentum_buffer", b);
        } else {
          b.mulInPlace((float) momentum).addInPlace(g, (float) (1 - group.get("dampening")));
        }
        g = group.flag("nesterov") ? g.add(b.mul((float) momentum)) : b;
      }
      param.addInPlace(g, (float) -lr);
    } else if (opt instanceof Adam || opt instanceof AdamW) {
      double beta1 = group.get("beta1");
      double beta2 = group.get("beta2");
      if (weightDecay != 0) {
        if (opt instanceof AdamW) {
          param.mulInPlace((float) (1 - lr * weightDecay));
        } else {
          g = g.add(param.mul((float) weightDecay));
        }
      }
      Tensor m = buffer(state, "exp_avg", param, 0f);
      Tensor v = buffer(state, "exp_avg_sq", param, 0f);
      m.mulInPlace((float) beta1).addInPlace(g, (float) (1 - beta1));
      v.mulInPlace((float) beta2);
      v.addcmulInPlace(g, g, (float) (1 - beta2));
      double stepSize = lr / (1 - Math.pow(beta1, step));
      double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
      Tensor second = v;
      if (group.flag("amsgrad")) {
        Tensor vMax = buffer(state, "max_exp_avg_sq", param, 0f);
        vMax.copyFrom(vMax.maximum(v));
        second = vMax;
      }
      Tensor denom =
          second.sqrt().div(Tensor.scalar((float) bc2Sqrt)).add((float) group.get("eps"));
      param.addcdivInPlace(m, denom, (float) -stepSize);
    } else if (opt instanceof RmsProp) {
      double alpha = group.get("alpha");
      double momentum = group.get("momentum");
      if (weightDecay != 0) {
        g = g.add(param.mul((float) weightDecay));
      }
      Tensor sq = buffer(state, "square_avg", param, 0f);
      sq.mulInPlace((float) alpha);
      sq.addcmulInPlace(g, g, (float) (1 - alpha));
      Tensor avg;
      if (group.flag("centered")) {
        Tensor ga = buffer(state, "grad_avg", param, 0f);
        ga.mulInPlace((float) alpha).addInPlace(g, (float) (1 - alpha));
        avg = sq.sub(ga.mul(ga)).sqrt();
      } else {
        avg = sq.sqrt();
      }
      avg = avg.add((float) group.get("eps"));
      if (momentum > 0) {
        Tensor b = buffer(state, "momentum_buffer", param, 0f);
        b.mulInPlace((float) momentum);
        b.addcdivInPlace(g, avg, 1f);
        param.addInPlace(b, (float) -lr);
      } else {
        param.addcdivInPlace(g, avg, (float) -lr);
      }
    } else if (opt instanceof Adagrad) {
      if (weightDecay != 0) {
        g = g.add(param.mul((float) weightDecay));
      }
      double clr = lr / (1 + (step - 1) * group.get("lr_decay"));
      Tensor sum = buffer(state, "sum", param, (float) group.get("initial_accumulator_value"));
      sum.addcmulInPlace(g, g, 1f);
      Tensor std = sum.sqrt().add((float) group.get("eps"));
      param.addcdivInPlace(g, std, (float) -clr);
    } else {
      throw new AssertionError(opt);
    }
  }
}
