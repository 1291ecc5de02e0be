package dev.tapegrad.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates parameter tensors from their gradients: the base of {@link Sgd}, {@link Adam}, {@link
 * AdamW}, {@link RmsProp} and {@link Adagrad}.
 *
 * <p>Each optimizer declares its hyper-parameters once, in a table (name, type, default, valid
 * range, and the buffers it keeps per parameter); the table gives {@code options()} its defaults,
 * checks every group's values with messages naming them, and fixes the state-dict keys. Adding an
 * optimizer means writing its table and its update, one fused pass over each parameter through the
 * kernels ({@code Kernels.sgdStep} and the like).
 *
 * <p>An optimizer holds one or more {@linkplain ParamGroup parameter groups}, each with its own
 * hyper-parameters; more can be added with {@link #addParamGroup}. {@link #step()} updates every
 * parameter whose {@code grad()} is non-null, under {@link Autograd#noGrad()}, so an update never
 * records on the tape; parameters without a gradient are skipped and their state is left alone, as
 * in PyTorch. Gradients are read, never changed.
 *
 * <p>Typical loop:
 *
 * <pre>{@code
 * Adam adam = new Adam(model.parameters(), Adam.options().lr(1e-3));
 * for (...) {
 *   adam.zeroGrad();
 *   loss(model, batch).backward();
 *   adam.step();
 * }
 * }</pre>
 *
 * <h2>State dict</h2>
 *
 * {@link #stateDict()} holds everything {@code step()} depends on, so that an optimizer loaded from
 * it continues exactly (bit for bit) as the saved one would have. Parameters are numbered 0, 1, ...
 * in the order the groups list them (as in PyTorch); keys are:
 *
 * <pre>
 * group.&lt;g&gt;.params     1-D: the numbers of group g's parameters
 * group.&lt;g&gt;.&lt;name&gt;     scalar: each hyper-parameter of group g, by PyTorch name (lr, weight_decay, ...)
 * state.&lt;i&gt;.step       scalar: updates parameter i has received (absent before its first update)
 * state.&lt;i&gt;.&lt;buffer&gt;   shaped like parameter i: exp_avg, exp_avg_sq, max_exp_avg_sq,
 *                       momentum_buffer, square_avg, grad_avg, sum (as the optimizer uses them)
 * </pre>
 *
 * A scalar is a 1-D float32 tensor {@code [hi, mid, lo]} whose terms add up (in double) to the
 * exact double value, {@code hi} being the value rounded to float32; a 0-d or one-element tensor is
 * accepted on load as well. {@link #loadStateDict} validates the whole dict first (groups and their
 * sizes, every key, every shape, every hyper-parameter) and changes nothing if anything is wrong.
 * The dict holds copies: neither side sees the other's later changes. {@link #save} and {@link
 * #load} keep it in a safetensors file.
 */
public abstract class Optimizer {
  private final String name;
  private final HyperTable table;
  private final List<ParamGroup> groups = new ArrayList<>();

  /**
   * Every parameter, in group order, with its group and its state (null until its first update).
   */
  private final List<Tensor> params = new ArrayList<>();

  private final List<ParamGroup> groupOf = new ArrayList<>();
  private final List<ParamState> states = new ArrayList<>();
  private final Set<Tensor> known = Collections.newSetFromMap(new IdentityHashMap<>());

  /** An optimizer whose groups' hyper-parameters are the rows of {@code table}. */
  Optimizer(String name, HyperTable table) {
    this.name = name;
    this.table = table;
  }

  /** One fused update: the kernels, the parameter's and its buffers' storage, the gradient's. */
  interface FusedUpdate {
    void run(Kernels kernels, float[][] written, float[] grad, int n);
  }

  /**
   * Runs a fused update over {@code written} (the parameter first, then its buffers, null where
   * absent), reading {@code grad}: one pass through the current kernels, no temporaries.
   */
  static void fused(String op, Tensor grad, List<Tensor> written, FusedUpdate update) {
    written
        .get(0)
        .updateInPlace(
            op, written, List.of(grad), (w, r, n) -> update.run(KernelProvider.get(), w, r[0], n));
  }

  /** Updates one parameter; {@code state.step} already counts this update. Runs under no-grad. */
  abstract void update(ParamGroup group, Tensor param, Tensor grad, ParamState state);

  /**
   * Adds a group of parameters with its own hyper-parameters (a smaller learning rate, say), as
   * PyTorch's {@code add_param_group}.
   *
   * @param groupParams the group's parameters, none of them already in a group
   * @param options the group's hyper-parameters, from this optimizer's {@code options()}
   * @throws IllegalArgumentException for another optimizer's options, an invalid hyper-parameter
   *     (naming it and its value), or an empty, repeated or non-leaf parameter
   */
  public final void addParamGroup(List<Tensor> groupParams, OptimizerOptions<?> options) {
    addGroup(groupParams, options);
  }

  /** Validates and adds a group; the constructors and {@link #addParamGroup} call this. */
  final void addGroup(List<Tensor> groupParams, OptimizerOptions<?> options) {
    checkNotNull(groupParams, "%s: params is null", name);
    checkNotNull(options, "%s: options is null", name);
    checkArgument(
        options.table() == table,
        "%s: %s are another optimizer's; start from %s.options()",
        name,
        options,
        name);
    checkArgument(
        !groupParams.isEmpty(), "%s: a parameter group needs at least one parameter", name);
    Map<String, Object> hyperParameters = options.values();
    table.validate(name, hyperParameters);
    Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int k = 0; k < groupParams.size(); k++) {
      Tensor p = groupParams.get(k);
      checkArgument(p != null, "%s: parameter %s of the group is null", name, k);
      checkArgument(
          p.isLeaf(),
          "%s: parameter %s (shape %s) is not a leaf but the result of '%s'; optimize leaf tensors",
          name,
          k,
          Arrays.toString(p.shape()),
          p.opName());
      checkArgument(
          seen.add(p) && !known.contains(p),
          "%s: parameter %s (shape %s) appears more than once; each parameter belongs to one group, once",
          name,
          k,
          Arrays.toString(p.shape()));
    }
    ParamGroup group = new ParamGroup(groupParams, hyperParameters);
    groups.add(group);
    for (Tensor p : groupParams) {
      params.add(p);
      groupOf.add(group);
      states.add(null);
      known.add(p);
    }
  }

  /** The parameter groups, in order (the list is read-only; the groups' learning rates are not). */
  public final List<ParamGroup> paramGroups() {
    return Collections.unmodifiableList(groups);
  }

  /**
   * Updates every parameter that has a gradient. Runs under {@link Autograd#noGrad()}, whatever the
   * caller's grad mode, so nothing is recorded on the tape.
   */
  public final void step() {
    try (var scope = Autograd.noGrad()) {
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        Tensor grad = p.grad();
        if (grad == null) {
          continue;
        }
        ParamState state = states.get(i);
        if (state == null) {
          state = new ParamState();
          states.set(i, state);
        }
        state.step++;
        update(groupOf.get(i), p, grad, state);
      }
    }
  }

  /** Clears the gradient of every parameter (sets it to null, PyTorch's default). */
  public final void zeroGrad() {
    for (Tensor p : params) {
      p.zeroGrad();
    }
  }

  /** The optimizer's state as tensors; see the class documentation for the keys. */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    int first = 0;
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      int n = group.params().size();
      float[] indices = new float[n];
      for (int k = 0; k < n; k++) {
        indices[k] = first + k;
      }
      first += n;
      out.put("group." + g + ".params", Tensor.vector(indices));
      Map<String, Object> values = group.hyperParameters();
      for (HyperParameter row : table.rows()) {
        out.put(
            "group." + g + "." + row.key(),
            StateDicts.scalar(HyperTable.encode(values.get(row.key()))));
      }
    }
    for (int i = 0; i < states.size(); i++) {
      ParamState state = states.get(i);
      if (state == null) {
        continue;
      }
      out.put("state." + i + ".step", StateDicts.scalar(state.step));
      for (var e : state.buffers.entrySet()) {
        out.put("state." + i + "." + e.getKey(), copyOf(e.getValue()));
      }
    }
    return out;
  }

  /**
   * Replaces the optimizer's state (hyper-parameters, step counts, buffers) with {@code state}, a
   * dict from {@link #stateDict()} of an optimizer of the same kind over parameters of the same
   * shapes, grouped the same way.
   *
   * <p>Values are checked as well as shapes: hyper-parameters against the optimizer's table (a flag
   * must be stored as 1 or 0), step counts must be whole numbers of at least 1, buffers must be
   * finite, and second moments and sums of squares ({@code exp_avg_sq}, {@code max_exp_avg_sq},
   * {@code square_avg}, {@code sum}) non-negative, so that a corrupted file cannot turn the
   * parameters to NaN on the next step.
   *
   * @param state the dict to load
   * @throws IllegalArgumentException listing every missing or unexpected key, wrong shape and
   *     invalid value; the optimizer is unchanged then
   */
  public final void loadStateDict(Map<String, Tensor> state) {
    checkNotNull(state, "%s.loadStateDict: state is null", name);
    StateDicts.Problems problems = new StateDicts.Problems(name);
    Set<String> used = new HashSet<>();

    List<Map<String, Object>> hyper = new ArrayList<>();
    int first = 0;
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      String prefix = "group." + g + ".";
      int n = group.params().size();
      Tensor indices = state.get(prefix + "params");
      used.add(prefix + "params");
      if (indices == null) {
        problems.missing.add(prefix + "params");
      } else if (problems.shape(prefix + "params", indices, new int[] {n})) {
        float[] v = indices.toFloatArray();
        for (int k = 0; k < n; k++) {
          if (v[k] != first + k) {
            problems.invalid(
                prefix + "params",
                "entry "
                    + k
                    + " is "
                    + v[k]
                    + ", but this group's "
                    + n
                    + " parameters are numbered from "
                    + first);
            break;
          }
        }
      }
      first += n;
      Map<String, Object> values = new LinkedHashMap<>();
      int before = problems.count();
      for (HyperParameter row : table.rows()) {
        String key = prefix + row.key();
        used.add(key);
        double stored = problems.scalar(state, key);
        if (problems.count() == before) {
          try {
            values.put(row.key(), HyperTable.decode(row, stored));
          } catch (IllegalArgumentException e) {
            problems.invalid(key, e.getMessage());
          }
        }
      }
      if (problems.count() == before) {
        try {
          table.validate(name + ".loadStateDict: group " + g, values);
        } catch (IllegalArgumentException e) {
          problems.invalid(prefix.substring(0, prefix.length() - 1), e.getMessage());
        }
      }
      hyper.add(values);
    }

    List<ParamState> loaded = new ArrayList<>(Collections.nCopies(params.size(), null));
    for (int i = 0; i < params.size(); i++) {
      String prefix = "state." + i + ".";
      boolean any = false;
      for (String key : state.keySet()) {
        if (key.startsWith(prefix)) {
          any = true;
          break;
        }
      }
      if (!any) {
        continue;
      }
      ParamState s = new ParamState();
      used.add(prefix + "step");
      // a parameter has state only once it has been updated, so its count is at least 1
      s.step = problems.integer(state, prefix + "step", 1);
      int groupIndex = groups.indexOf(groupOf.get(i));
      if (hyper.get(groupIndex).size() == table.rows().size()) {
        for (ParamState.Buffer buffer : table.buffers(hyper.get(groupIndex))) {
          String key = prefix + buffer.name();
          used.add(key);
          Tensor t = state.get(key);
          if (t == null) {
            problems.missing.add(key);
          } else if (problems.shape(key, t, params.get(i).shape())
              && problems.values(key, t, buffer.nonNegative())) {
            s.buffers.put(buffer.name(), copyOf(t));
          }
        }
      } else {
        // the group's hyper-parameters are invalid, so which buffers belong is unknown
        for (String key : state.keySet()) {
          if (key.startsWith(prefix)) {
            used.add(key);
          }
        }
      }
      loaded.set(i, s);
    }
    for (String key : state.keySet()) {
      if (!used.contains(key)) {
        problems.unexpected.add(key);
      }
    }
    problems.throwIfAny();

    for (int g = 0; g < groups.size(); g++) {
      groups.get(g).replaceHyperParameters(hyper.get(g));
    }
    for (int i = 0; i < states.size(); i++) {
      states.set(i, loaded.get(i));
    }
  }

  /**
   * Saves {@link #stateDict()} to {@code file} in the safetensors format (replacing the file
   * atomically), with the optimizer's class in the metadata.
   *
   * @throws IOException if writing fails
   */
  public final void save(Path file) throws IOException {
    StateDicts.save(file, stateDict(), name);
  }

  /**
   * Loads a state saved by {@link #save} into this optimizer, as {@link #loadStateDict}.
   *
   * @throws IOException if the file cannot be read or is not valid safetensors
   * @throws IllegalArgumentException if it holds another class's state, or a state that does not
   *     match this optimizer; the optimizer is unchanged then
   */
  public final void load(Path file) throws IOException {
    loadStateDict(StateDicts.load(file, name));
  }

  private static Tensor copyOf(Tensor t) {
    return Tensor.of(t.toFloatArray(), t.shape());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append('(');
    for (int g = 0; g < groups.size(); g++) {
      ParamGroup group = groups.get(g);
      sb.append(g == 0 ? "" : ", ").append("group ").append(g).append(": ");
      sb.append(group.params().size()).append(" params ").append(group.hyperParameters());
    }
    return sb.append(')').toString();
  }
}
