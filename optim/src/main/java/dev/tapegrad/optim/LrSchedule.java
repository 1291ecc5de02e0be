package dev.tapegrad.optim;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A learning-rate schedule stepped once per epoch (or per iteration): the base of {@link StepLr},
 * {@link MultiStepLr}, {@link ExponentialLr}, {@link CosineAnnealingLr} and {@link LinearWarmup}.
 * Semantics are PyTorch's {@code _LRScheduler}:
 *
 * <ul>
 *   <li>Construction counts as the first step: the position ({@link #lastEpoch()}) becomes 0 and
 *       the learning rates those of epoch 0. Call {@link #step()} after {@code optimizer.step()}.
 *   <li>Each step computes the new rate of every group from its current rate (PyTorch's "chainable"
 *       form, in double), so schedules compose with other changes to the rate.
 *   <li>Base rates are the groups' rates when the first schedule on the optimizer was made
 *       (PyTorch's {@code initial_lr}).
 * </ul>
 *
 * <p>State dict: {@code last_epoch}, {@code base_lr.<g>} and {@code last_lr.<g>} per group (scalars
 * in the {@link Optimizer} encoding), plus {@code then.*} for the schedule a {@link LinearWarmup}
 * hands over to. The schedule's settings (gamma, step size, ...) are not part of it: build the
 * schedule as before, load the optimizer's state, then the schedule's. The rates themselves live in
 * the optimizer's state.
 */
public abstract class LrSchedule {
  final String name;
  final Optimizer optimizer;
  final double[] baseLrs;
  int lastEpoch = -1;
  double[] lastLrs;

  /** The schedule that steps this one, if it was handed to a {@link LinearWarmup}. */
  LrSchedule owner;

  LrSchedule(String name, Optimizer optimizer) {
    this.name = name;
    this.optimizer = checkNotNull(optimizer, "%s: optimizer is null", name);
    List<ParamGroup> groups = optimizer.paramGroups();
    baseLrs = new double[groups.size()];
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      if (Double.isNaN(group.initialLr)) {
        group.initialLr = group.lr();
      }
      baseLrs[g] = group.initialLr;
    }
    lastLrs = currentLrs();
  }

  /** PyTorch's {@code get_lr()}: the rates at {@link #lastEpoch}, from the current ones. */
  abstract double[] chainedLrs();

  /**
   * PyTorch's {@code _get_closed_form_lr()}: the rates at {@link #lastEpoch} from the base rates.
   */
  abstract double[] closedFormLrs();

  /** The step the constructor takes; subclasses call it last in their constructors. */
  final void initialStep() {
    advance();
  }

  /**
   * Advances the schedule by one epoch and sets the optimizer's learning rates.
   *
   * @throws IllegalStateException if this schedule was handed to a {@link LinearWarmup}, which
   *     steps it, or if the optimizer's number of groups changed since the schedule was made
   */
  public final void step() {
    if (owner != null) {
      throw new IllegalStateException(
          name
              + ".step: this schedule is stepped by the LinearWarmup it was given to; step that one");
    }
    advance();
  }

  void advance() {
    lastEpoch++;
    apply(chainedLrs());
  }

  /** Jumps to {@code epoch} with the closed form, as PyTorch's {@code step(epoch)}. */
  final void restartAt(int epoch) {
    lastEpoch = epoch;
    apply(closedFormLrs());
  }

  /** The position: 0 after construction, one more after each {@link #step()}. */
  public final int lastEpoch() {
    return lastEpoch;
  }

  /** The learning rate of each group as this schedule last set it. */
  public final List<Double> lastLr() {
    List<Double> out = new ArrayList<>();
    for (double lr : lastLrs) {
      out.add(lr);
    }
    return Collections.unmodifiableList(out);
  }

  /** The optimizer's current learning rates. */
  final double[] currentLrs() {
    List<ParamGroup> groups = groups();
    double[] lrs = new double[groups.size()];
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = groups.get(g).lr();
    }
    return lrs;
  }

  final List<ParamGroup> groups() {
    List<ParamGroup> groups = optimizer.paramGroups();
    if (groups.size() != baseLrs.length) {
      throw new IllegalStateException(
          name
              + ": the optimizer has "
              + groups.size()
              + " parameter groups but had "
              + baseLrs.length
              + " when the schedule was made; make the schedule after adding every group");
    }
    return groups;
  }

  final void apply(double[] lrs) {
    List<ParamGroup> groups = groups();
    for (int g = 0; g < lrs.length; g++) {
      groups.get(g).setLr(lrs[g]);
    }
    lastLrs = lrs.clone();
  }

  /** The schedule's position; see the class documentation for the keys. */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    writeState("", out);
    return out;
  }

  void writeState(String prefix, Map<String, Tensor> out) {
    out.put(prefix + "last_epoch", StateDicts.scalar(lastEpoch));
    for (int g = 0; g < baseLrs.length; g++) {
      out.put(prefix + "base_lr." + g, StateDicts.scalar(baseLrs[g]));
    }
    for (int g = 0; g < lastLrs.length; g++) {
      out.put(prefix + "last_lr." + g, StateDicts.scalar(lastLrs[g]));
    }
  }

  /**
   * Restores the position saved by {@link #stateDict()} of a schedule built the same way. Load the
   * optimizer's state first: chainable schedules continue from its learning rates.
   *
   * @throws IllegalArgumentException listing every missing or unexpected key, wrong shape or
   *     invalid value; the schedule is unchanged then
   */
  public final void loadStateDict(Map<String, Tensor> state) {
    checkNotNull(state, "%s.loadStateDict: state is null", name);
    StateDicts.Problems problems = new StateDicts.Problems(name);
    Set<String> used = new HashSet<>();
    List<Runnable> apply = new ArrayList<>();
    readState("", state, problems, used, apply);
    for (String key : state.keySet()) {
      if (!used.contains(key)) {
        problems.unexpected.add(key);
      }
    }
    problems.throwIfAny();
    apply.forEach(Runnable::run);
  }

  /** Checks this schedule's entries, queueing their application on {@code apply}. */
  void readState(
      String prefix,
      Map<String, Tensor> state,
      StateDicts.Problems problems,
      Set<String> used,
      List<Runnable> apply) {
    used.add(prefix + "last_epoch");
    long epoch = problems.integer(state, prefix + "last_epoch", -1);
    double[] base = readLrs(prefix + "base_lr.", state, problems, used);
    double[] last = readLrs(prefix + "last_lr.", state, problems, used);
    apply.add(
        () -> {
          lastEpoch = (int) epoch;
          System.arraycopy(base, 0, baseLrs, 0, base.length);
          lastLrs = last;
          List<ParamGroup> groups = groups();
          for (int g = 0; g < base.length; g++) {
            groups.get(g).initialLr = base[g];
          }
        });
    if (epoch > Integer.MAX_VALUE) {
      problems.invalid(prefix + "last_epoch", epoch + " is beyond the range of an int");
    }
  }

  private double[] readLrs(
      String prefix, Map<String, Tensor> state, StateDicts.Problems problems, Set<String> used) {
    double[] lrs = new double[baseLrs.length];
    for (int g = 0; g < lrs.length; g++) {
      used.add(prefix + g);
      lrs[g] = problems.scalar(state, prefix + g);
      Tensor t = state.get(prefix + g);
      if (t != null && StateDicts.isScalarShape(t)) {
        problems.learningRate(prefix + g, lrs[g]);
      }
    }
    return lrs;
  }

  /**
   * Saves {@link #stateDict()} to {@code file} in the safetensors format, with the schedule's class
   * in the metadata.
   *
   * @throws IOException if writing fails
   */
  public final void save(Path file) throws IOException {
    StateDicts.save(file, stateDict(), name);
  }

  /**
   * Loads a position saved by {@link #save}, as {@link #loadStateDict}.
   *
   * @throws IOException if the file cannot be read or is not valid safetensors
   * @throws IllegalArgumentException if it holds another class's state or does not match
   */
  public final void load(Path file) throws IOException {
    loadStateDict(StateDicts.load(file, name));
  }

  @Override
  public String toString() {
    return name + "(lastEpoch=" + lastEpoch + ", lastLr=" + lastLr() + ")";
  }
}
