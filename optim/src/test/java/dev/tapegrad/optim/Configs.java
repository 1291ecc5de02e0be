package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Named optimizer configurations covering every option, for the behaviour and resume tests. */
final class Configs {
  private Configs() {}

  /**
   * Every optimizer with every option on, at learning rates that suit a well-conditioned quadratic.
   */
  static Map<String, Function<List<Tensor>, Optimizer>> all() {
    Map<String, Function<List<Tensor>, Optimizer>> m = new LinkedHashMap<>();
    m.put("Sgd", p -> new Sgd(p, Sgd.options().lr(0.05)));
    m.put(
        "Sgd momentum dampening",
        p -> new Sgd(p, Sgd.options().lr(0.02).momentum(0.9).dampening(0.2)));
    m.put(
        "Sgd nesterov weightDecay",
        p -> new Sgd(p, Sgd.options().lr(0.02).momentum(0.8).nesterov(true).weightDecay(1e-3)));
    m.put("Adam", p -> new Adam(p, Adam.options().lr(0.05)));
    m.put(
        "Adam amsgrad weightDecay",
        p -> new Adam(p, Adam.options().lr(0.05).amsgrad(true).weightDecay(1e-3).betas(0.8, 0.99)));
    m.put("AdamW", p -> new AdamW(p, AdamW.options().lr(0.05)));
    m.put("AdamW amsgrad", p -> new AdamW(p, AdamW.options().lr(0.05).amsgrad(true).eps(1e-6)));
    m.put("RmsProp", p -> new RmsProp(p, RmsProp.options().lr(0.02)));
    m.put(
        "RmsProp centered momentum weightDecay",
        p ->
            new RmsProp(
                p,
                RmsProp.options()
                    .lr(0.005)
                    .centered(true)
                    .momentum(0.5)
                    .weightDecay(1e-3)
                    .alpha(0.9)));
    m.put("Adagrad", p -> new Adagrad(p, Adagrad.options().lr(0.5)));
    m.put(
        "Adagrad lrDecay initialAccumulator weightDecay",
        p ->
            new Adagrad(
                p,
                Adagrad.options()
                    .lr(0.5)
                    .lrDecay(0.01)
                    .initialAccumulatorValue(0.1)
                    .weightDecay(1e-3)));
    return m;
  }

  /**
   * The same optimizers with two groups: the first parameter alone, then the rest at a third of the
   * rate.
   */
  static Map<String, Function<List<Tensor>, Optimizer>> twoGroups() {
    Map<String, Function<List<Tensor>, Optimizer>> m = new LinkedHashMap<>();
    m.put(
        "Sgd two groups",
        p -> {
          Sgd o = new Sgd(p.subList(0, 1), Sgd.options().lr(0.03).momentum(0.9));
          o.addParamGroup(p.subList(1, p.size()), Sgd.options().lr(0.01).momentum(0.5));
          return o;
        });
    m.put(
        "Adam two groups",
        p -> {
          Adam o = new Adam(p.subList(0, 1), Adam.options().lr(0.05));
          o.addParamGroup(p.subList(1, p.size()), Adam.options().lr(0.015).amsgrad(true));
          return o;
        });
    m.put(
        "AdamW two groups",
        p -> {
          AdamW o = new AdamW(p.subList(0, 1), AdamW.options().lr(0.05));
          o.addParamGroup(p.subList(1, p.size()), AdamW.options().lr(0.015).weightDecay(0));
          return o;
        });
    m.put(
        "RmsProp two groups",
        p -> {
          RmsProp o = new RmsProp(p.subList(0, 1), RmsProp.options().lr(0.02).momentum(0.9));
          o.addParamGroup(p.subList(1, p.size()), RmsProp.options().lr(0.006).centered(true));
          return o;
        });
    m.put(
        "Adagrad two groups",
        p -> {
          Adagrad o = new Adagrad(p.subList(0, 1), Adagrad.options().lr(0.5));
          o.addParamGroup(p.subList(1, p.size()), Adagrad.options().lr(0.15).lrDecay(0.1));
          return o;
        });
    return m;
  }
}
