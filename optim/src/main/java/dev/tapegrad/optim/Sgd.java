package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay
 * and maximisation, as PyTorch's {@code torch.optim.SGD}.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}, at update {@code t}:
 *
 * <pre>
 * g = maximize ? -grad : grad
 * if weightDecay != 0:   g = g + weightDecay * p
 * if momentum != 0:
 *   b = (t == 1) ? g : momentum * b + (1 - dampening) * g
 *   g = nesterov ? g + momentum * b : b
 * p = p - lr * g
 * </pre>
 *
 * The momentum buffer {@code b} is state {@code momentum_buffer}. Elementwise arithmetic is
 * float32 in PyTorch's order; scalar arithmetic on hyper-parameters is double, as in PyTorch.
 */
public final class Sgd extends Optimizer {
  static final String MOMENTUM_BUFFER = "momentum_buffer";

  /**
   * Hyper-parameters of a group. Immutable: each setter returns a changed copy. Values are
   * checked when a group is created from them.
   */
  public static final class Options {
    private static final Options DEFAULTS =
        new Options(
            HyperParameters.of(
                "lr", 1e-3, "momentum", 0, "dampening", 0, "weight_decay", 0, "nesterov", 0, "maximize", 0));
    private final Map<String, Double> values;

    private Options(Map<String, Double> values) {
      this.values = values;
    }

    /** Learning rate, {@code >= 0}; default 1e-3. */
    public Options lr(double lr) {
      return with("lr", lr);
    }

    /** Momentum factor, {@code >= 0}; default 0 (plain SGD). */
    public Options momentum(double momentum) {
      return with("momentum", momentum);
    }

    /** Dampening of the momentum's gradient term, in [0, 1]; default 0. */
    public Options dampening(double dampening) {
      return with("dampening", dampening);
    }

    /** L2 penalty added to the gradient, {@code >= 0}; default 0. */
    public Options weightDecay(double weightDecay) {
      return with("weight_decay", weightDecay);
    }

    /** Nesterov momentum (needs momentum > 0 and no dampening); default off. */
    public Options nesterov(boolean nesterov) {
      return with("nesterov", nesterov ? 1 : 0);
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
      return "Sgd.Options" + values;
    }
  }

  /** PyTorch's defaults: lr 1e-3, no momentum, dampening, weight decay, nesterov or maximize. */
  public static Options options() {
    return Options.DEFAULTS;
  }

  /**
   * An optimizer over one group of parameters.
   *
   * @throws IllegalArgumentException for an invalid hyper-parameter, naming it and its value, or
   *     an empty, repeated or non-leaf parameter
   */
  public Sgd(List<Tensor> params, Options options) {
    super("Sgd");
    addParamGroup(params, options);
  }

  /** Adds a group with its own hyper-parameters (for example a smaller learning rate). */
  public void addParamGroup(List<Tensor> params, Options options) {
    addGroup(params, options.values);
  }

  @Override
  void validate(String owner, Map<String, Double> h) {
    Checks.nonNegative(owner, h, "lr");
    Checks.nonNegative(owner, h, "momentum");
    Checks.unitInterval(owner, h, "dampening");
    Checks.nonNegative(owner, h, "weight_decay");
    Checks.flag(owner, h, "nesterov");
    Checks.flag(owner, h, "maximize");
    if (h.get("nesterov") != 0 && (h.get("momentum") <= 0 || h.get("dampening") != 0)) {
      throw new IllegalArgumentException(
          owner
              + ": invalid nesterov: true needs momentum > 0 and dampening 0 (momentum "
              + h.get("momentum")
              + ", dampening "
              + h.get("dampening")
              + ")");
    }
  }

  @Override
  List<String> bufferNames(Map<String, Double> h) {
    return h.get("momentum") != 0 ? List.of(MOMENTUM_BUFFER) : List.of();
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    double lr = group.lr();
    double momentum = group.get("momentum");
    double weightDecay = group.get("weight_decay");
    Tensor g = group.flag("maximize") ? grad.neg() : grad;
    if (weightDecay != 0) {
      g = g.add(param.mul((float) weightDecay));
    }
    if (momentum != 0) {
      Tensor buffer = state.buffers.get(MOMENTUM_BUFFER);
      if (buffer == null) {
        buffer = Tensor.of(g.toFloatArray(), g.shape());
        state.buffers.put(MOMENTUM_BUFFER, buffer);
      } else {
        buffer.mulInPlace((float) momentum).addInPlace(g, (float) (1 - group.get("dampening")));
      }
      g = group.flag("nesterov") ? g.add(buffer.mul((float) momentum)) : buffer;
    }
    param.addInPlace(g, (float) -lr);
  }
}
