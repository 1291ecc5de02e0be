package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RMSProp, optionally centered and with momentum, as PyTorch's {@code torch.optim.RMSprop}.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}:
 *
 * <pre>
 * g = maximize ? -grad : grad
 * if weightDecay != 0:  g = g + weightDecay * p
 * v = alpha * v + (1 - alpha) * g * g              (state square_avg, from 0)
 * if centered:
 *   gAvg = alpha * gAvg + (1 - alpha) * g          (state grad_avg, from 0)
 *   avg = sqrt(v - gAvg * gAvg) + eps
 * else:
 *   avg = sqrt(v) + eps
 * if momentum > 0:
 *   b = momentum * b + g / avg                     (state momentum_buffer, from 0)
 *   p = p - lr * b
 * else:
 *   p = p - lr * g / avg
 * </pre>
 */
public final class RmsProp extends Optimizer {
  static final String SQUARE_AVG = "square_avg";
  static final String GRAD_AVG = "grad_avg";
  static final String MOMENTUM_BUFFER = "momentum_buffer";

  /**
   * Hyper-parameters of a group. Immutable: each setter returns a changed copy. Values are
   * checked when a group is created from them.
   */
  public static final class Options {
    private static final Options DEFAULTS =
        new Options(
            HyperParameters.of(
                "lr", 1e-2, "alpha", 0.99, "eps", 1e-8, "weight_decay", 0, "momentum", 0, "centered", 0,
                "maximize", 0));
    private final Map<String, Double> values;

    private Options(Map<String, Double> values) {
      this.values = values;
    }

    /** Learning rate, {@code >= 0}; default 1e-2. */
    public Options lr(double lr) {
      return with("lr", lr);
    }

    /** Smoothing constant of the averages, in [0, 1]; default 0.99. */
    public Options alpha(double alpha) {
      return with("alpha", alpha);
    }

    /** Added to the denominator for numerical stability, {@code >= 0}; default 1e-8. */
    public Options eps(double eps) {
      return with("eps", eps);
    }

    /** L2 penalty added to the gradient, {@code >= 0}; default 0. */
    public Options weightDecay(double weightDecay) {
      return with("weight_decay", weightDecay);
    }

    /** Momentum factor, {@code >= 0}; default 0. */
    public Options momentum(double momentum) {
      return with("momentum", momentum);
    }

    /** Normalise by an estimate of the gradient's variance instead of its second moment. */
    public Options centered(boolean centered) {
      return with("centered", centered ? 1 : 0);
    }

    /** Maximise the objective instead of minimising it; default off. */
    public Options maximize(boolean maximize) {
      return with("maximize", maximize ? 1 : 0);
    }

    private Options with(String key, double value) {
      return new Options(HyperParameters.with(values, key, value));
    }

    @Override
    public String toString() {
      return "RmsProp.Options" + values;
    }
  }

  /** PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay or momentum, not centered. */
  public static Options options() {
    return Options.DEFAULTS;
  }

  /**
   * An optimizer over one group of parameters.
   *
   * @throws IllegalArgumentException for an invalid hyper-parameter, naming it and its value, or
   *     an empty, repeated or non-leaf parameter
   */
  public RmsProp(List<Tensor> params, Options options) {
    super("RmsProp");
    addParamGroup(params, options);
  }

  /** Adds a group with its own hyper-parameters. */
  public void addParamGroup(List<Tensor> params, Options options) {
    addGroup(params, options.values);
  }

  @Override
  void validate(String owner, Map<String, Double> h) {
    Checks.nonNegative(owner, h, "lr");
    Checks.unitInterval(owner, h, "alpha");
    Checks.nonNegative(owner, h, "eps");
    Checks.nonNegative(owner, h, "weight_decay");
    Checks.nonNegative(owner, h, "momentum");
    Checks.flag(owner, h, "centered");
    Checks.flag(owner, h, "maximize");
  }

  @Override
  List<String> bufferNames(Map<String, Double> h) {
    List<String> names = new ArrayList<>(List.of(SQUARE_AVG));
    if (h.get("momentum") > 0) {
      names.add(MOMENTUM_BUFFER);
    }
    if (h.get("centered") != 0) {
      names.add(GRAD_AVG);
    }
    return names;
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    double alpha = group.get("alpha");
    double weightDecay = group.get("weight_decay");
    double momentum = group.get("momentum");
    Tensor g = group.flag("maximize") ? grad.neg() : grad;
    if (weightDecay != 0) {
      g = g.add(param.mul((float) weightDecay));
    }
    Tensor squareAvg = state.buffer(SQUARE_AVG, param);
    squareAvg.mulInPlace((float) alpha);
    squareAvg.addcmulInPlace(g, g, (float) (1 - alpha));
    Tensor avg;
    if (group.flag("centered")) {
      Tensor gradAvg = state.buffer(GRAD_AVG, param);
      gradAvg.mulInPlace((float) alpha).addInPlace(g, (float) (1 - alpha));
      avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
    } else {
      avg = squareAvg.sqrt();
    }
    avg = avg.add((float) group.get("eps"));
    if (momentum > 0) {
      Tensor buffer = state.buffer(MOMENTUM_BUFFER, param);
      buffer.mulInPlace((float) momentum);
      buffer.addcdivInPlace(g, avg, 1f);
      param.addInPlace(buffer, (float) -group.lr());
    } else {
      param.addcdivInPlace(g, avg, (float) -group.lr());
    }
  }
}
