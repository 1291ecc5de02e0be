package dev.tapegrad.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.ObjectStreamField;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Saves and restores a whole training run in one file and one call each: the model's state, the
 * optimizer, the learning-rate schedule, the step and the random generators, so that a resumed run
 * continues bit for bit as the uninterrupted one would have.
 *
 * <pre>{@code
 * TrainingState state = TrainingState.of(model::stateDict, model::loadStateDict)
 *     .optimizer(adam)
 *     .schedule(schedule)
 *     .random("batches", random);
 * state.save(Path.of("run.safetensors"), step);              // every N steps
 * ...
 * long step = state.load(Path.of("run.safetensors")).step();  // in a new process, same setup
 * }</pre>
 *
 * <p>Register the live objects once; {@link #save} reads them and {@link #load} writes into them in
 * place, so every reference the training loop holds sees the restored state. Build the model,
 * optimizer and schedule exactly as for the first run (their settings are not part of the file, as
 * in PyTorch), then load. The model's state goes in as a {@code Map<String, Tensor>} (a {@code
 * Block}'s {@code stateDict()} and {@code loadStateDict}), so {@code optim} needs no {@code nn}.
 * The file is safetensors: tensors under {@code model.*}, {@code optimizer.*}, {@code schedule.*}
 * (and the prefix of any {@link #part}), {@code random.<name>.*} and {@code step}; metadata names
 * the optimizer's and schedule's classes, plus any metadata of the caller's.
 *
 * <h2>Random generators</h2>
 *
 * Only {@code java.util.Random} itself is accepted, and its whole state is captured exactly: the
 * 48-bit seed and the second Gaussian that {@code nextGaussian()} keeps for its next call. {@code
 * Random} has no getter for them, so {@link #save} reads them from the generator's serialized form,
 * written to memory (the fields {@code Random} documents for serialization; nothing is ever
 * deserialized). {@link #load} sets the seed with {@code setSeed}; when a Gaussian was pending it
 * steps the seed back to the pair that produced it and draws that pair again, which leaves the
 * generator in exactly the saved state. Subclasses ({@code SecureRandom}, {@code
 * ThreadLocalRandom}) are rejected, and {@code SplittableRandom} and the JDK 17 {@code
 * RandomGenerator} algorithms are not {@code Random}s, so they cannot be registered: none of them
 * exposes its state or lets it be set, so no exact resume is possible. For those, derive the
 * generator from {@code (seed, step)} when needed, as {@code DataLoader} in {@code tapegrad-data}
 * does per epoch, and nothing needs saving.
 *
 * <h2>Failure</h2>
 *
 * Loading is all or nothing: each part validates its entries before it changes, and if any part
 * rejects the file, the parts already loaded are put back as they were before the exception
 * propagates.
 */
public final class TrainingState {
  /** The metadata key marking a training-state file, and the prefix of this class's metadata. */
  static final String KIND = "tapegrad.state";

  private static final long MULTIPLIER = 0x5DEECE66DL;
  private static final long ADDEND = 0xBL;
  private static final long MASK = (1L << 48) - 1;
  private static final long INVERSE = inverse(MULTIPLIER);

  private record Part(
      String prefix, Supplier<Map<String, Tensor>> read, Consumer<Map<String, Tensor>> write) {}

  private final List<Part> parts = new ArrayList<>();
  private final Map<String, Random> randoms = new LinkedHashMap<>();
  private final Map<String, String> classes = new LinkedHashMap<>();

  private TrainingState(
      Supplier<Map<String, Tensor>> modelState, Consumer<Map<String, Tensor>> loadModelState) {
    parts.add(new Part("model.", modelState, loadModelState));
  }

  /**
   * A training state around a model's state: {@code model::stateDict, model::loadStateDict}.
   *
   * @param modelState returns the model's tensors by name (read when saving)
   * @param loadModelState sets the model's tensors in place from such a map, validating it first
   */
  public static TrainingState of(
      Supplier<Map<String, Tensor>> modelState, Consumer<Map<String, Tensor>> loadModelState) {
    checkNotNull(modelState, "TrainingState.of: modelState is null");
    checkNotNull(loadModelState, "TrainingState.of: loadModelState is null");
    return new TrainingState(modelState, loadModelState);
  }

  /**
   * Adds the optimizer's state dict (hyper-parameters, steps, buffers) under {@code optimizer.}.
   */
  public TrainingState optimizer(Optimizer optimizer) {
    checkNotNull(optimizer, "TrainingState.optimizer: optimizer is null");
    classes.put("optimizer", optimizer.getClass().getSimpleName());
    return part("optimizer.", optimizer::stateDict, optimizer::loadStateDict);
  }

  /** Adds a schedule's position under {@code schedule.}; loaded after the optimizer. */
  public TrainingState schedule(LrSchedule schedule) {
    checkNotNull(schedule, "TrainingState.schedule: schedule is null");
    classes.put("schedule", schedule.getClass().getSimpleName());
    return part("schedule.", schedule::stateDict, schedule::loadStateDict);
  }

  /** Adds a plateau schedule's position under {@code schedule.}; loaded after the optimizer. */
  public TrainingState schedule(ReduceLrOnPlateau schedule) {
    checkNotNull(schedule, "TrainingState.schedule: schedule is null");
    classes.put("schedule", "ReduceLrOnPlateau");
    return part("schedule.", schedule::stateDict, schedule::loadStateDict);
  }

  /**
   * Adds any other state kept as tensors under {@code prefix} (e.g. {@code "ema."} for an
   * exponential moving average of the weights). Parts load in the order they were added.
   */
  public TrainingState part(
      String prefix, Supplier<Map<String, Tensor>> read, Consumer<Map<String, Tensor>> write) {
    checkNotNull(prefix, "TrainingState.part: prefix is null");
    checkArgument(
        prefix.endsWith(".") && prefix.length() > 1,
        "TrainingState.part: prefix must end with '.', got '%s'",
        prefix);
    checkArgument(
        !prefix.equals("random.") && !prefix.equals("step."),
        "TrainingState.part: prefix '%s' is reserved",
        prefix);
    for (Part p : parts) {
      checkArgument(
          !p.prefix.equals(prefix), "TrainingState.part: prefix '%s' is already used", prefix);
    }
    parts.add(
        new Part(
            prefix,
            checkNotNull(read, "TrainingState.part: read is null"),
            checkNotNull(write, "TrainingState.part: write is null")));
    return this;
  }

  /**
   * Adds a random generator under {@code name}, captured exactly (see the class documentation).
   *
   * @throws IllegalArgumentException if {@code random} is a subclass of {@code java.util.Random} or
   *     the name is taken
   */
  public TrainingState random(String name, Random random) {
    checkNotNull(name, "TrainingState.random: name is null");
    checkNotNull(random, "TrainingState.random: random is null");
    checkArgument(
        name.matches("[A-Za-z0-9_-]+"),
        "TrainingState.random: name must be letters, digits, '_' or '-', got '%s'",
        name);
    checkArgument(
        random.getClass() == Random.class,
        "TrainingState.random: '%s' is a %s; only java.util.Random itself has a state that can be saved and set exactly",
        name,
        random.getClass().getName());
    checkArgument(
        !randoms.containsKey(name), "TrainingState.random: the name '%s' is already used", name);
    randoms.put(name, random);
    return this;
  }

  /** What {@link #load} read besides the restored objects. */
  public record Resumed(long step, Map<String, String> metadata) {}

  /** Saves everything with {@code step} (the number of steps taken so far, say). */
  public void save(Path file, long step) throws IOException {
    save(file, step, Map.of());
  }

  /**
   * Saves everything with {@code step} and the caller's {@code metadata}, replacing the file
   * atomically.
   *
   * @throws IllegalArgumentException if {@code step} is negative or beyond 2^53, or a metadata key
   *     starts with {@code tapegrad.}
   * @throws IOException if writing fails
   */
  public void save(Path file, long step, Map<String, String> metadata) throws IOException {
    checkArgument(
        step >= 0 && step <= (1L << 53),
        "TrainingState.save: step must be in [0, 2^53], got %s",
        step);
    for (String key : metadata.keySet()) {
      checkArgument(
          !key.startsWith("tapegrad."), "TrainingState.save: metadata key '%s' is reserved", key);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Part p : parts) {
      p.read.get().forEach((k, v) -> tensors.put(p.prefix + k, v));
    }
    randoms.forEach((name, random) -> capture(random).write("random." + name + ".", tensors));
    tensors.put("step", StateDicts.scalar(step));
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put(KIND, "TrainingState");
    classes.forEach((k, v) -> meta.put("tapegrad." + k, v));
    Safetensors.save(file, tensors, meta);
  }

  /**
   * Restores everything saved by {@link #save} into the registered objects.
   *
   * @return the saved step and the caller's metadata
   * @throws IllegalArgumentException if the file is not a training state, holds another optimizer's
   *     or schedule's state, or any part does not match (the message names the part and every
   *     problem); nothing is changed then
   * @throws IOException if the file cannot be read or is not valid safetensors
   */
  public Resumed load(Path file) throws IOException {
    Safetensors saved = Safetensors.load(file);
    Map<String, String> meta = saved.metadata();
    checkArgument(
        "TrainingState".equals(meta.get(KIND)),
        "TrainingState.load: %s is not a training state (metadata %s = %s)",
        file,
        KIND,
        meta.get(KIND));
    for (Map.Entry<String, String> e : classes.entrySet()) {
      String was = meta.get("tapegrad." + e.getKey());
      checkArgument(
          e.getValue().equals(was),
          "TrainingState.load: %s holds the %s state of %s, not of %s",
          file,
          e.getKey(),
          was,
          e.getValue());
    }
    Map<String, Tensor> tensors = saved.tensors();
    List<String> unknown = new ArrayList<>();
    for (String key : tensors.keySet()) {
      boolean known = key.equals("step") || key.startsWith("random.");
      for (Part p : parts) {
        known |= key.startsWith(p.prefix);
      }
      if (!known) {
        unknown.add(key);
      }
    }
    checkArgument(
        unknown.isEmpty(),
        "TrainingState.load: %s has entries no registered part reads: %s",
        file,
        unknown);
    checkArgument(tensors.containsKey("step"), "TrainingState.load: %s has no step", file);
    StateDicts.Problems problems = new StateDicts.Problems("TrainingState");
    long step = problems.integer(tensors, "step", 0);
    Map<String, RandomState> randomStates = new LinkedHashMap<>();
    for (String name : randoms.keySet()) {
      randomStates.put(name, RandomState.read("random." + name + ".", tensors, problems));
    }
    for (String key : tensors.keySet()) {
      if (key.startsWith("random.")
          && !randoms.containsKey(key.substring(7, Math.max(7, key.indexOf('.', 7))))) {
        problems.unexpected.add(key);
      }
    }
    problems.throwIfAny();
    randomStates
        .values()
        .forEach(s -> restore(new Random(0), s)); // throws now if one cannot be set

    // all or nothing: keep what each part held, to put it back if a later part rejects its entries
    List<Map<String, Tensor>> before = new ArrayList<>();
    int loaded = 0;
    try {
      for (Part p : parts) {
        before.add(copyOf(p.read.get()));
        Map<String, Tensor> mine = new LinkedHashMap<>();
        tensors.forEach(
            (k, v) -> {
              if (k.startsWith(p.prefix)) {
                mine.put(k.substring(p.prefix.length()), v);
              }
            });
        try {
          p.write.accept(mine);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "TrainingState.load: " + file + ": " + p.prefix + " " + e.getMessage(), e);
        }
        loaded++;
      }
    } catch (RuntimeException e) {
      for (int i = loaded - 1; i >= 0; i--) {
        parts.get(i).write.accept(before.get(i));
      }
      throw e;
    }
    randomStates.forEach((name, s) -> restore(randoms.get(name), s));
    Map<String, String> user = new LinkedHashMap<>();
    meta.forEach(
        (k, v) -> {
          if (!k.startsWith("tapegrad.")) {
            user.put(k, v);
          }
        });
    return new Resumed(step, user);
  }

  private static Map<String, Tensor> copyOf(Map<String, Tensor> live) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    live.forEach((k, v) -> copy.put(k, Tensor.of(v.toFloatArray(), v.shape())));
    return copy;
  }

  // ------------------------------------------------------------------ java.util.Random's state

  /** The whole state of a {@code java.util.Random}. */
  record RandomState(long seed, boolean haveNextNextGaussian, double nextNextGaussian) {
    void write(String prefix, Map<String, Tensor> out) {
      out.put(prefix + "seed", StateDicts.scalar(seed));
      out.put(prefix + "have_next_gaussian", StateDicts.scalar(haveNextNextGaussian ? 1 : 0));
      out.put(
          prefix + "next_gaussian", StateDicts.scalar(haveNextNextGaussian ? nextNextGaussian : 0));
    }

    static RandomState read(String prefix, Map<String, Tensor> in, StateDicts.Problems problems) {
      long seed = problems.integer(in, prefix + "seed", 0);
      if (seed > MASK) {
        problems.invalid(prefix + "seed", seed + " is more than 48 bits");
      }
      long have = problems.integer(in, prefix + "have_next_gaussian", 0);
      if (have > 1) {
        problems.invalid(prefix + "have_next_gaussian", have + " is not 0 or 1");
      }
      double gaussian = problems.scalar(in, prefix + "next_gaussian");
      return new RandomState(seed, have == 1, have == 1 ? gaussian : 0);
    }
  }

  /** Reads a generator's state from its serialized form (see the class documentation). */
  static RandomState capture(Random random) {
    byte[] bytes;
    try (ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ObjectOutputStream out = new ObjectOutputStream(buffer)) {
      out.writeObject(random);
      out.flush();
      bytes = buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "TrainingState: could not read the state of a java.util.Random", e);
    }
    // Random writes its fields with putFields/writeFields: their values in the order
    // ObjectStreamClass lists them (primitives, by name), then TC_ENDBLOCKDATA.
    ObjectStreamField[] fields = ObjectStreamClass.lookup(Random.class).getFields();
    int size = 0;
    for (ObjectStreamField f : fields) {
      size += width(f);
    }
    checkState(
        bytes[bytes.length - 1] == 0x78,
        "TrainingState: unexpected serialized form of java.util.Random");
    ByteBuffer data = ByteBuffer.wrap(bytes, bytes.length - 1 - size, size);
    long seed = -1;
    double gaussian = Double.NaN;
    Boolean have = null;
    for (ObjectStreamField f : fields) {
      switch (f.getName()) {
        case "seed" -> seed = data.getLong();
        case "nextNextGaussian" -> gaussian = data.getDouble();
        case "haveNextNextGaussian" -> have = data.get() != 0;
        default -> data.position(data.position() + width(f));
      }
    }
    checkState(
        have != null && seed >= 0 && seed <= MASK,
        "TrainingState: unexpected serialized form of java.util.Random");
    return new RandomState(seed, have, have ? gaussian : 0);
  }

  private static int width(ObjectStreamField f) {
    return switch (f.getTypeCode()) {
      case 'J', 'D' -> 8;
      case 'I', 'F' -> 4;
      case 'S', 'C' -> 2;
      case 'Z', 'B' -> 1;
      default ->
          throw new IllegalStateException(
              "TrainingState: java.util.Random has an object field " + f.getName());
    };
  }

  /** Puts {@code state} into {@code random} in place. */
  static void restore(Random random, RandomState state) {
    random.setSeed(
        state.seed ^ MULTIPLIER); // setSeed scrambles with the multiplier and clears the Gaussian
    if (!state.haveNextNextGaussian) {
      return;
    }
    // The pending Gaussian is the second of the last pair nextGaussian drew: each try of its polar
    // method takes two nextDouble, four next() calls. Step back try by try until redrawing from
    // there ends in exactly the saved state.
    long back = state.seed;
    for (int tries = 1; tries <= 1000; tries++) {
      for (int k = 0; k < 4; k++) {
        back = ((back - ADDEND) * INVERSE) & MASK;
      }
      Random probe = new Random(0);
      probe.setSeed(back ^ MULTIPLIER);
      probe.nextGaussian();
      if (capture(probe).equals(state)) {
        random.setSeed(back ^ MULTIPLIER);
        random.nextGaussian();
        return;
      }
    }
    throw new IllegalArgumentException(
        "TrainingState.load: no java.util.Random state leaves the saved Gaussian "
            + state.nextNextGaussian
            + " pending");
  }

  /** The inverse of an odd number modulo 2^64, by Newton's iteration. */
  private static long inverse(long a) {
    long x = a;
    for (int i = 0; i < 6; i++) {
      x *= 2 - a * x;
    }
    return x;
  }
}
