package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code torch.optim.AdamW}.
 * Its hyper-parameters are {@link Adam}'s, with weight decay 1e-2 by default.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}, at update {@code t} (from 1):
 *
 * <pre>
 * g = maximize ? -grad : grad
 * p = p * (1 - lr * weightDecay)                   (the decay is applied to p, not added to g)
 * m = beta1 * m + (1 - beta1) * g                  (state exp_avg, from 0)
 * v = beta2 * v + (1 - beta2) * g * g              (state exp_avg_sq, from 0)
 * if amsgrad:  vMax = max(vMax, v);  v' = vMax     (state max_exp_avg_sq, from 0)
 * else:        v' = v
 * biasCorrection1 = 1 - beta1^t,  biasCorrection2 = 1 - beta2^t      (double)
 * denom = sqrt(v') / sqrt(biasCorrection2) + eps
 * p = p - (lr / biasCorrection1) * m / denom
 * </pre>
 */
public final class AdamW extends Optimizer {
  /** Adam's table (and buffers), with PyTorch's AdamW default weight decay of 1e-2. */
  static final HyperTable TABLE = Adam.TABLE.withDefault("weight_decay", 1e-2);

  /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
  public static OptimizerOptions<AdamW> options() {
    return new OptimizerOptions<>("AdamW", TABLE);
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    Adam.update(group, param, grad, state, true);
  }

  /** An optimizer over one group of parameters; more join with {@link #addParamGroup}. */
  public AdamW(List<Tensor> params, OptimizerOptions<AdamW> options) {
    super("AdamW", TABLE);
    addGroup(params, options);
  }
}
