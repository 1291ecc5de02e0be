package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.nn.Checkpoint;
import dev.tapegrad.optim.LrSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link DistributedTrainer} for a range of steps on the driver: steps the learning-rate
 * schedule after each step, logs each step's loss, time and examples per second, hands the {@link
 * StepTimings} to a listener, and saves a checkpoint every {@code N} steps.
 *
 * <p>A checkpoint after step {@code s} (that is, with {@code s} steps done) is three files in the
 * checkpoint folder, written in this order so that the model file marks a complete checkpoint:
 * {@code step-<s>.optim.safetensors} (the optimizer's state, {@link
 * dev.tapegrad.optim.Optimizer#save}), {@code step-<s>.schedule.safetensors} (the schedule's, if
 * any) and {@code step-<s>.safetensors} (the model, {@link Checkpoint}, with the step in its
 * metadata). {@link #resume()} loads the latest one; since every step is a pure function of the
 * state before it and its number, a resumed run continues bit for bit as the uninterrupted one.
 *
 * <pre>{@code
 * TrainingLoop loop = new TrainingLoop(trainer).schedule(cosine).checkpoints(dir, 100);
 * loop.run(loop.resume(), 1000);
 * }</pre>
 */
public final class TrainingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);
  private static final Pattern MODEL_FILE = Pattern.compile("step-(\\d+)\\.safetensors");

  private final DistributedTrainer trainer;
  private LrSchedule schedule;
  private Path checkpointDir;
  private int checkpointEvery;
  private Consumer<StepTimings> listener = t -> {};

  /** A loop over {@code trainer}, without schedule, checkpoints or listener. */
  public TrainingLoop(DistributedTrainer trainer) {
    this.trainer = checkNotNull(trainer, "TrainingLoop: trainer is null");
  }

  /** Steps {@code schedule} (over the trainer's optimizer) once after every step. Returns this. */
  public TrainingLoop schedule(LrSchedule schedule) {
    this.schedule = checkNotNull(schedule, "TrainingLoop: schedule is null");
    return this;
  }

  /** Saves a checkpoint into {@code dir} after every {@code every} steps. Returns this. */
  public TrainingLoop checkpoints(Path dir, int every) {
    checkArgument(every > 0, "TrainingLoop: checkpoint interval must be positive, got %s", every);
    this.checkpointDir = checkNotNull(dir, "TrainingLoop: checkpoint folder is null");
    this.checkpointEvery = every;
    return this;
  }

  /**
   * Calls {@code listener} on the driver after every step (for a progress display). Returns this.
   */
  public TrainingLoop onStep(Consumer<StepTimings> listener) {
    this.listener = checkNotNull(listener, "TrainingLoop: listener is null");
    return this;
  }

  /**
   * Runs steps {@code from} (inclusive) to {@code to} (exclusive) and returns their timings.
   *
   * @throws IOException if a checkpoint cannot be written
   */
  public List<StepTimings> run(long from, long to) throws IOException {
    checkArgument(0 <= from && from <= to, "TrainingLoop: bad step range [%s, %s)", from, to);
    List<StepTimings> out = new ArrayList<>();
    for (long step = from; step < to; step++) {
      StepTimings t = trainer.step(step);
      if (schedule != null) {
        schedule.step();
      }
      LOG.info("{}", t);
      out.add(t);
      listener.accept(t);
      long done = step + 1;
      if (checkpointDir != null && done % checkpointEvery == 0) {
        save(done);
      }
    }
    return out;
  }

  /**
   * Loads the latest complete checkpoint of the checkpoint folder into the trainer's model,
   * optimizer and schedule, and returns the number of steps it had done (the step to run next); 0,
   * with nothing loaded, when there is none.
   *
   * @throws IOException if a checkpoint file cannot be read or does not match the trainer
   */
  public long resume() throws IOException {
    checkArgument(
        checkpointDir != null,
        "TrainingLoop.resume: no checkpoint folder; call checkpoints(dir, every) first");
    OptionalLong latest = latest(checkpointDir);
    if (latest.isEmpty()) {
      return 0;
    }
    long step = latest.getAsLong();
    Map<String, String> meta = Checkpoint.load(trainer.model(), file(step, ""));
    checkArgument(
        Long.toString(step).equals(meta.get("step")),
        "TrainingLoop.resume: %s says step %s",
        file(step, ""),
        meta.get("step"));
    trainer.optimizer().load(file(step, ".optim"));
    if (schedule != null) {
      schedule.load(file(step, ".schedule"));
    }
    LOG.info("resumed from {} after step {}", file(step, ""), step);
    return step;
  }

  /** The steps done at the latest complete checkpoint in {@code dir}, if any. */
  public static OptionalLong latest(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return OptionalLong.empty();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(f -> MODEL_FILE.matcher(f.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToLong(m -> Long.parseLong(m.group(1)))
          .max();
    }
  }

  private void save(long step) throws IOException {
    Files.createDirectories(checkpointDir);
    trainer.optimizer().save(file(step, ".optim"));
    if (schedule != null) {
      schedule.save(file(step, ".schedule"));
    }
    Checkpoint.save(trainer.model(), file(step, ""), Map.of("step", Long.toString(step)));
    LOG.info("checkpoint {}", file(step, ""));
  }

  private Path file(long step, String kind) {
    return checkpointDir.resolve(String.format("step-%08d%s.safetensors", step, kind));
  }
}
