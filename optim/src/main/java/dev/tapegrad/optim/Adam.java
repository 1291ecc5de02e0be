package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adam, with optional L2 weight decay, AMSGrad and maximisation, as PyTorch's
 * {@code torch.optim.Adam}. For decoupled weight decay use {@link AdamW}.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}, at update {@code t} (from 1):
 *
 * <pre>
 * g = maximize ? -grad : grad
 * if weightDecay != 0:  g = g + weightDecay * p
 * m = beta1 * m + (1 - beta1) * g                  (state exp_avg, from 0)
 * v = beta2 * v + (1 - beta2) * g * g              (state exp_avg_sq, from 0)
 * if amsgrad:  vMax = max(vMax, v);  v' = vMax     (state max_exp_avg_sq, from 0)
 * else:        v' = v
 * biasCorrection1 = 1 - beta1^t,  biasCorrection2 = 1 - beta2^t      (double)
 * denom = sqrt(v') / sqrt(biasCorrection2) + eps
 * p = p - (lr / biasCorrection1) * m / denom
 * </pre>
 *
 * The order of operations is PyTorch's, elementwise in float32 and on scalars in double.
 */
public final class Adam extends Optimizer {
  static final String EXP_AVG = "exp_avg";
  static final String EXP_AVG_SQ = "exp_avg_sq";
  static final String MAX_EXP_AVG_SQ = "max_exp_avg_sq";

  /**
   * Hyper-parameters of a group, for {@link Adam} and {@link AdamW}. Immutable: each setter returns
   * a changed copy. Values are checked when a group is created from them.
   */
  public static final class Options {
    private final Map<String, Double> values;

    private Options(Map<String, Double> values) {
      this.values = values;
    }

    static Options defaults(double weightDecay) {
      return new Options(
          HyperParameters.of(
              "lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", weightDecay,
              "amsgrad", 0, "maximize", 0));
    }

    /** Learning rate, {@code >= 0}; default 1e-3. */
    public Options lr(double lr) {
      return with("lr", lr);
    }

    /** Decay rates of the first and second moment averages, each in [0, 1); default 0.9, 0.999. */
    public Options betas(double beta1, double beta2) {
      return with("beta1", beta1).with("beta2", beta2);
    }

    /** Added to the denominator for numerical stability, {@code >= 0}; default 1e-8. */
    public Options eps(double eps) {
      return with("eps", eps);
    }

    /**
     * Weight decay, {@code >= 0}: an L2 penalty added to the gradient in {@link Adam}, a decay of
     * the parameter by {@code lr * weightDecay} in {@link AdamW}. Default 0 for Adam, 1e-2 for
     * AdamW.
     */
    public Options weightDecay(double weightDecay) {
      return with("weight_decay", weightDecay);
    }

    /** Use the maximum of past second moments (AMSGrad); default off. */
    public Options amsgrad(boolean amsgrad) {
      return with("amsgrad", amsgrad ? 1 : 0);
    }

    /** Maximise the objective instead of minimising it; default off. */
    public Options maximize(boolean maximize) {
      return with("maximize", maximize ? 1 : 0);
    }

    Map<String, Double> values() {
      return values;
    }

    private Options with(String key, double value) {
      return new Options(HyperParameters.with(values, key, value));
    }

    @Override
    public String toString() {
      return "Adam.Options" + values;
    }
  }

  private static final Options DEFAULTS = Options.defaults(0);

  /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
  public static Options options() {
    return DEFAULTS;
  }

  /**
   * An optimizer over one group of parameters.
   *
   * @throws IllegalArgumentException for an invalid hyper-parameter, naming it and its value, or
   *     an empty, repeated or non-leaf parameter
   */
  public Adam(List<Tensor> params, Options options) {
    super("Adam");
    addParamGroup(params, options);
  }

  /** Adds a group with its own hyper-parameters. */
  public void addParamGroup(List<Tensor> params, Options options) {
    addGroup(params, options.values());
  }

  @Override
  void validate(String owner, Map<String, Double> h) {
    check(owner, h);
  }

  static void check(String owner, Map<String, Double> h) {
    Checks.nonNegative(owner, h, "lr");
    Checks.unitIntervalOpen(owner, h, "beta1");
    Checks.unitIntervalOpen(owner, h, "beta2");
    Checks.nonNegative(owner, h, "eps");
    Checks.nonNegative(owner, h, "weight_decay");
    Checks.flag(owner, h, "amsgrad");
    Checks.flag(owner, h, "maximize");
  }

  @Override
  List<String> bufferNames(Map<String, Double> h) {
    return buffers(h);
  }

  static List<String> buffers(Map<String, Double> h) {
    return h.get("amsgrad") != 0 ? List.of(EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ) : List.of(EXP_AVG, EXP_AVG_SQ);
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    update(group, param, grad, state, false);
  }

  /** The update of Adam, or of AdamW when {@code decoupled}. */
  static void update(ParamGroup group, Tensor param, Tensor grad, ParamState state, boolean decoupled) {
    double lr = group.lr();
    double beta1 = group.get("beta1");
    double beta2 = group.get("beta2");
    double weightDecay = group.get("weight_decay");
    Tensor g = group.flag("maximize") ? grad.neg() : grad;
    if (weightDecay != 0) {
      if (decoupled) {
        param.mulInPlace((float) (1 - lr * weightDecay));
      } else {
        g = g.add(param.mul((float) weightDecay));
      }
    }
    Tensor expAvg = state.buffer(EXP_AVG, param);
    Tensor expAvgSq = state.buffer(EXP_AVG_SQ, param);
    expAvg.mulInPlace((float) beta1).addInPlace(g, (float) (1 - beta1));
    expAvgSq.mulInPlace((float) beta2);
    expAvgSq.addcmulInPlace(g, g, (float) (1 - beta2));

    double biasCorrection1 = 1 - Math.pow(beta1, state.step);
    double biasCorrection2 = 1 - Math.pow(beta2, state.step);
    double stepSize = lr / biasCorrection1;
    double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    Tensor second = expAvgSq;
    if (group.flag("amsgrad")) {
      Tensor maxExpAvgSq = state.buffer(MAX_EXP_AVG_SQ, param);
      maxExpAvgSq.copyFrom(maxExpAvgSq.maximum(expAvgSq));
      second = maxExpAvgSq;
    }
    Tensor denom = second.sqrt().div(Tensor.scalar((float) biasCorrection2Sqrt)).add((float) group.get("eps"));
    param.addcdivInPlace(expAvg, denom, (float) -stepSize);
  }
}
