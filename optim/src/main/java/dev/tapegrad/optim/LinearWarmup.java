package dev.tapegrad.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linear warm-up of the learning rate from {@code startFactor * baseLr} to {@code baseLr} over
 * {@code warmupSteps} epochs, optionally handing over to another schedule afterwards.
 *
 * <p>PyTorch has no warm-up class of this name; tapegrad defines it as the PyTorch composition that
 * is the usual recipe:
 *
 * <pre>
 * new LinearWarmup(opt, w, s)        == LinearLR(opt, start_factor=s, end_factor=1.0, total_iters=w)
 * new LinearWarmup(opt, w, s, then)  == SequentialLR(opt, [LinearLR(opt, s, 1.0, w), then], milestones=[w])
 * </pre>
 *
 * so that
 *
 * <pre>
 * lr(e) = baseLr * (s + (1 - s) * e / w)      for e &lt; w (computed from lr(e - 1), as LinearLR does)
 * lr(e) = baseLr                              for e &gt;= w, alone
 * lr(e) = then's rate at epoch e - w          for e &gt;= w, with then (then restarts at its epoch 0
 *                                             from its closed form, then continues step by step)
 * </pre>
 *
 * For example warm-up then cosine decay over the rest of training:
 *
 * <pre>{@code
 * var cosine = new CosineAnnealingLr(optimizer, totalSteps - warmup);
 * var schedule = new LinearWarmup(optimizer, warmup, 0.01, cosine);   // step only this one
 * }</pre>
 *
 * {@code then} must be a freshly made schedule on the same optimizer; from then on it is stepped by
 * this one, and stepping it directly is an error. Its state is saved under {@code then.}.
 */
public final class LinearWarmup extends LrSchedule {
  private final int warmupSteps;
  private final double startFactor;
  private final LrSchedule then;

  /**
   * A warm-up that keeps the base rate once it is reached.
   *
   * @throws IllegalArgumentException if {@code warmupSteps <= 0} or {@code startFactor} is not in
   *     (0, 1]
   */
  public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor) {
    this(optimizer, warmupSteps, startFactor, null, false);
  }

  /**
   * A warm-up followed by {@code then}.
   *
   * @throws IllegalArgumentException if {@code warmupSteps <= 0}, {@code startFactor} is not in (0,
   *     1], or {@code then} belongs to another optimizer, has been stepped, or is already handed to
   *     another warm-up
   */
  public LinearWarmup(Optimizer optimizer, int warmupSteps, double startFactor, LrSchedule then) {
    this(
        optimizer,
        warmupSteps,
        startFactor,
        checkNotNull(then, "LinearWarmup: then is null"),
        true);
  }

  private LinearWarmup(
      Optimizer optimizer,
      int warmupSteps,
      double startFactor,
      LrSchedule then,
      boolean sequential) {
    super("LinearWarmup", optimizer);
    Checks.positive(name, "warmupSteps", warmupSteps);
    if (!(startFactor > 0 && startFactor <= 1)) {
      throw new IllegalArgumentException(
          name + ": invalid startFactor: " + startFactor + " (must be in (0, 1])");
    }
    this.warmupSteps = warmupSteps;
    this.startFactor = startFactor;
    this.then = then;
    if (sequential) {
      checkArgument(
          then.optimizer == optimizer,
          "LinearWarmup: then (%s) belongs to another optimizer",
          then.name);
      checkArgument(
          then.owner == null,
          "LinearWarmup: then (%s) is already handed to another LinearWarmup",
          then.name);
      checkArgument(
          then.lastEpoch == 0,
          "LinearWarmup: then (%s) has been stepped %s times; pass a fresh one",
          then.name,
          then.lastEpoch);
      then.owner = this;
      // As SequentialLR: back to the base rates, and undo the step then's constructor took.
      List<ParamGroup> groups = groups();
      for (ParamGroup group : groups) {
        group.setLr(group.initialLr);
      }
      then.lastEpoch = -1;
    }
    initialStep();
  }

  @Override
  void advance() {
    lastEpoch++;
    if (then == null || lastEpoch < warmupSteps) {
      apply(chainedLrs());
      return;
    }
    if (lastEpoch == warmupSteps) {
      then.restartAt(0);
    } else {
      then.advance();
    }
    lastLrs = then.lastLrs.clone();
  }

  @Override
  double[] chainedLrs() {
    double[] lrs = currentLrs();
    if (lastEpoch == 0) {
      for (int g = 0; g < lrs.length; g++) {
        lrs[g] = lrs[g] * startFactor;
      }
    } else if (lastEpoch <= warmupSteps) {
      double factor =
          1.
              + (1.0 - startFactor)
                  / (warmupSteps * startFactor + (lastEpoch - 1) * (1.0 - startFactor));
      for (int g = 0; g < lrs.length; g++) {
        lrs[g] = lrs[g] * factor;
      }
    }
    return lrs;
  }

  @Override
  double[] closedFormLrs() {
    double[] lrs = new double[baseLrs.length];
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] =
          baseLrs[g]
              * (startFactor
                  + (1.0 - startFactor) * Math.min(warmupSteps, lastEpoch) / warmupSteps);
    }
    return lrs;
  }

  @Override
  void writeState(String prefix, Map<String, Tensor> out) {
    super.writeState(prefix, out);
    if (then != null) {
      then.writeState(prefix + "then.", out);
    }
  }

  @Override
  void readState(
      String prefix,
      Map<String, Tensor> state,
      StateDicts.Problems problems,
      Set<String> used,
      List<Runnable> apply) {
    super.readState(prefix, state, problems, used, apply);
    if (then != null) {
      then.readState(prefix + "then.", state, problems, used, apply);
    }
  }
}
