package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.CheckpointException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A node in a tree of named parameters and submodules: the base of every layer and model, what
 * PyTorch calls {@code nn.Module}.
 *
 * <p>It is named {@code Block}, as in DJL, rather than {@code Module}, so that {@code import
 * dev.tapegrad.nn.*;} followed by {@code class MyModel extends Block} compiles: a type named {@code
 * Module} would be ambiguous with {@code java.lang.Module}, which every file imports.
 *
 * <p>Subclasses register their parameters and children in their constructor with {@link
 * #registerParameter} and {@link #registerBlock}. {@link #namedParameters()} lists them in a stable
 * order: a module's own parameters in registration order, then each child's, recursively, with
 * dotted names ({@code encoder.weight_ih_l0}), exactly as PyTorch's {@code named_parameters()}, so
 * state dicts map one to one.
 *
 * <p>Modules with a single tensor input and output extend {@link Layer}; recurrent sequence layers
 * have their own {@code forward} signatures.
 */
public abstract class Block {
  private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
  private final LinkedHashMap<String, Block> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Registers a parameter (it is marked as requiring grad) and returns it. */
  protected final Tensor registerParameter(String name, Tensor value) {
    checkName(name);
    parameters.put(name, value.requiresGrad(true));
    return value;
  }

  /** Registers a submodule and returns it. */
  protected final <M extends Block> M registerBlock(String name, M module) {
    checkName(name);
    children.put(name, module);
    return module;
  }

  private void checkName(String name) {
    checkArgument(
        !name.isEmpty() && !name.contains("."), "invalid parameter or module name '%s'", name);
    checkArgument(
        !parameters.containsKey(name) && !children.containsKey(name),
        "'%s' is already registered in %s",
        name,
        getClass().getSimpleName());
  }

  /** Every parameter of this module and its descendants, in {@link #namedParameters()} order. */
  public final List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /**
   * Parameters by dotted name, in a stable order: this module's own parameters in registration
   * order, then each child's (recursively, depth first) in registration order, so {@code
   * encoder.weight_ih_l0} comes before {@code decoder.weight}, as in PyTorch.
   *
   * <p>A tensor registered more than once (tied weights, a shared submodule) is listed once, under
   * the first name reached, so an optimizer never updates it twice; PyTorch does the same.
   */
  public final Map<String, Tensor> namedParameters() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
    return Collections.unmodifiableMap(out);
  }

  private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
    parameters.forEach(
        (name, p) -> {
          if (seen.add(p)) {
            out.put(prefix + name, p);
          }
        });
    children.forEach((name, child) -> child.collect(prefix + name + ".", out, seen));
  }

  /** Direct submodules by name, in registration order. */
  public final Map<String, Block> children() {
    return Collections.unmodifiableMap(children);
  }

  /** The total number of parameter elements. */
  public final long numParameters() {
    long n = 0;
    for (Tensor p : parameters()) {
      n += p.numel();
    }
    return n;
  }

  /** Puts this module and its descendants in training mode (dropout active). Returns this. */
  public Block train() {
    setTraining(true);
    return this;
  }

  /** Puts this module and its descendants in evaluation mode (dropout inactive). Returns this. */
  public Block eval() {
    setTraining(false);
    return this;
  }

  private void setTraining(boolean value) {
    training = value;
    children.values().forEach(c -> c.setTraining(value));
  }

  /** Whether this module is in training mode. */
  public final boolean isTraining() {
    return training;
  }

  /** Clears the gradient of every parameter. */
  public final void zeroGrad() {
    parameters().forEach(Tensor::zeroGrad);
  }

  /** A snapshot of every parameter's values by dotted name (detached copies). */
  public final Map<String, Tensor> stateDict() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    namedParameters().forEach((name, p) -> out.put(name, Tensor.of(p.toFloatArray(), p.shape())));
    return out;
  }

  /** Loads every parameter from {@code state}; equivalent to {@code loadStateDict(state, true)}. */
  public final void loadStateDict(Map<String, Tensor> state) {
    loadStateDict(state, true);
  }

  /**
   * Copies values from {@code state} into the parameters, in place (optimizers holding the
   * parameters see the new values). Everything is validated before anything is copied.
   *
   * @param strict when true, missing and unexpected keys are errors; shape mismatches always are
   * @throws IllegalArgumentException listing the missing, unexpected and mismatched keys (the first
   *     20 of each, and the message capped at {@link CheckpointException#MAX_MESSAGE_CHARS}: the
   *     keys come from a file)
   */
  @SuppressWarnings("try") // the scope is used for its side effect
  public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
    checkArgument(state != null, "loadStateDict: state is null");
    for (var e : state.entrySet()) {
      // a TreeSet of the keys, below, would throw a bare NullPointerException
      checkArgument(
          e.getKey() != null,
          "loadStateDict: state for %s has a null key (keys are parameter names such as %s)",
          getClass().getSimpleName(),
          namedParameters().keySet().stream().findFirst().orElse("weight"));
      checkArgument(e.getValue() != null, "loadStateDict: the value of '%s' is null", e.getKey());
    }
    Map<String, Tensor> own = namedParameters();
    TreeSet<String> missing = new TreeSet<>();
    TreeSet<String> unexpected = new TreeSet<>(state.keySet());
    List<String> mismatched = new ArrayList<>();
    for (var e : own.entrySet()) {
      Tensor value = state.get(e.getKey());
      unexpected.remove(e.getKey());
      if (value == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(value.shape(), e.getValue().shape())) {
        mismatched.add(
            e.getKey()
                + ": checkpoint "
                + Arrays.toString(value.shape())
                + " vs model "
                + Arrays.toString(e.getValue().shape()));
      }
    }
    boolean bad =
        !mismatched.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()));
    if (bad) {
      StringBuilder sb =
          new StringBuilder("loadStateDict: state does not match ")
              .append(getClass().getSimpleName());
      if (!missing.isEmpty()) {
        sb.append("; missing keys ").append(firstKeys(missing));
      }
      if (!unexpected.isEmpty()) {
        sb.append("; unexpected keys ").append(firstKeys(unexpected));
      }
      if (!mismatched.isEmpty()) {
        sb.append("; shape mismatches ").append(firstKeys(mismatched));
      }
      throw new IllegalArgumentException(CheckpointException.cap(sb.toString()));
    }
    try (var scope = Autograd.noGrad()) {
      for (var e : own.entrySet()) {
        Tensor value = state.get(e.getKey());
        if (value != null) {
          e.getValue().copyFrom(value);
        }
      }
    }
  }

  /** A one-line description of this module's own configuration, e.g. {@code in=4, out=8}. */
  protected String extraRepr() {
    return "";
  }

  /**
   * The module tree: one line per module with its configuration and, for submodules that have any,
   * their parameter count; one line per parameter with its shape; the total at the end.
   *
   * <pre>
   *   Sequential()
   *     (0): Linear(in=2, out=8, bias=true) [24 parameters]
   *       weight [8, 2]
   *       bias [8]
   *     (1): Tanh()
   *   (24 parameters)
   * </pre>
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    describe(sb, "", 0);
    sb.append("\n(").append(String.format("%,d", numParameters())).append(" parameters)");
    return sb.toString();
  }

  private void describe(StringBuilder sb, String name, int depth) {
    String indent = "  ".repeat(depth);
    sb.append(indent);
    if (!name.isEmpty()) {
      sb.append('(').append(name).append("): ");
    }
    sb.append(getClass().getSimpleName()).append('(').append(extraRepr()).append(')');
    long count = numParameters();
    if (depth > 0 && count > 0) {
      sb.append(" [")
          .append(String.format("%,d", count))
          .append(count == 1 ? " parameter]" : " parameters]");
    }
    for (var e : parameters.entrySet()) {
      sb.append('\n')
          .append(indent)
          .append("  ")
          .append(e.getKey())
          .append(' ')
          .append(Arrays.toString(e.getValue().shape()));
    }
    for (var e : children.entrySet()) {
      sb.append('\n');
      e.getValue().describe(sb, e.getKey(), depth + 1);
    }
  }

  /** Fails with the module's name when a precondition on its input is not met. */
  protected final void checkInput(boolean condition, String format, Object... args) {
    checkArgument(condition, getClass().getSimpleName() + ": " + format, args);
  }

  /** How many keys of each kind a {@link #loadStateDict} error lists. */
  static final int LISTED_KEYS = 20;

  /** The first {@link #LISTED_KEYS} of {@code keys}, and how many more there are. */
  static String firstKeys(Collection<String> keys) {
    if (keys.size() <= LISTED_KEYS) {
      return keys.toString();
    }
    List<String> first = new ArrayList<>(keys).subList(0, LISTED_KEYS);
    return first.toString() + " ... and " + (keys.size() - LISTED_KEYS) + " more";
  }
}
