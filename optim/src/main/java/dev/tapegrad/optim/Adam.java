package dev.tapegrad.optim;

import static dev.tapegrad.optim.HyperParameter.Range.NON_NEGATIVE;
import static dev.tapegrad.optim.HyperParameter.Range.UNIT_OPEN;
import static dev.tapegrad.optim.HyperParameter.flag;
import static dev.tapegrad.optim.HyperParameter.number;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Adam, with optional L2 weight decay, AMSGrad and maximisation, as PyTorch's {@code
 * torch.optim.Adam}. For decoupled weight decay use {@link AdamW}.
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
 * The order of operations is PyTorch's, elementwise in float32 and on scalars in double; the
 * elementwise part is one fused pass over each parameter ({@code Kernels.adamStep}).
 */
public final class Adam extends Optimizer {
  static final ParamState.Buffer EXP_AVG = new ParamState.Buffer("exp_avg", false);
  static final ParamState.Buffer EXP_AVG_SQ = new ParamState.Buffer("exp_avg_sq", true);
  static final ParamState.Buffer MAX_EXP_AVG_SQ = new ParamState.Buffer("max_exp_avg_sq", true);

  /** The hyper-parameters, their defaults (PyTorch's) and ranges; also the state-dict keys. */
  static final HyperTable TABLE =
      HyperTable.of(
          h ->
              (Boolean) h.get("amsgrad")
                  ? List.of(EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ)
                  : List.of(EXP_AVG, EXP_AVG_SQ),
          number("lr", 1e-3, NON_NEGATIVE),
          number("beta1", 0.9, UNIT_OPEN),
          number("beta2", 0.999, UNIT_OPEN),
          number("eps", 1e-8, NON_NEGATIVE),
          number("weight_decay", 0, NON_NEGATIVE),
          flag("amsgrad", false),
          flag("maximize", false));

  /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
  public static OptimizerOptions<Adam> options() {
    return new OptimizerOptions<>("Adam", TABLE);
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    update(group, param, grad, state, false);
  }

  /** The update of Adam, or of AdamW when {@code decoupled}. */
  static void update(
      ParamGroup group, Tensor param, Tensor grad, ParamState state, boolean decoupled) {
    double lr = group.lr();
    double beta1 = group.get("beta1");
    double beta2 = group.get("beta2");
    double weightDecay = group.get("weight_decay");
    boolean decay = decoupled && weightDecay != 0;
    boolean l2 = !decoupled && weightDecay != 0;
    boolean maximize = group.flag("maximize");
    float eps = (float) group.get("eps");
    Tensor expAvg = state.buffer(EXP_AVG.name(), param);
    Tensor expAvgSq = state.buffer(EXP_AVG_SQ.name(), param);
    Tensor maxExpAvgSq = group.flag("amsgrad") ? state.buffer(MAX_EXP_AVG_SQ.name(), param) : null;
    double biasCorrection1 = 1 - Math.pow(beta1, state.step);
    double biasCorrection2 = 1 - Math.pow(beta2, state.step);
    float negStepSize = (float) -(lr / biasCorrection1);
    float biasCorrection2Sqrt = (float) Math.sqrt(biasCorrection2);
    String op = decoupled ? "AdamW.step" : "Adam.step";
    fused(
        op,
        grad,
        Arrays.asList(param, expAvg, expAvgSq, maxExpAvgSq),
        (k, w, g, n) ->
            k.adamStep(
                w[0],
                g,
                w[1],
                w[2],
                w[3],
                n,
                maximize,
                decay,
                (float) (1 - lr * weightDecay),
                l2,
                (float) weightDecay,
                (float) beta1,
                (float) (1 - beta1),
                (float) beta2,
                (float) (1 - beta2),
                biasCorrection2Sqrt,
                eps,
                negStepSize));
  }

  /** An optimizer over one group of parameters; more join with {@link #addParamGroup}. */
  public Adam(List<Tensor> params, OptimizerOptions<Adam> options) {
    super("Adam", TABLE);
    addGroup(params, options);
  }
}
