package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A fresh JVM on the tests' class path, for what one JVM cannot show about itself. */
public final class ChildJvm {
  private ChildJvm() {}

  /** How a child JVM ended: its exit code and everything it wrote (stderr merged). */
  public record Result(int exitCode, String output) {}

  /**
   * Runs {@code main} in a new JVM with the given options (and no others) and arguments, and waits
   * at most two minutes for it.
   */
  public static Result run(List<String> options, Class<?> main, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("forked JVM did not finish: " + command);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(process.exitValue(), output);
  }

  /**
   * Runs {@code main} as {@link #run} does, asserts that it exited 0, and returns the {@code
   * key=value} lines it printed (lines with a space are log lines, skipped).
   */
  public static Map<String, String> values(List<String> options, Class<?> main, String... args)
      throws IOException, InterruptedException {
    Result r = run(options, main, args);
    assertEquals(0, r.exitCode(), r.output());
    Map<String, String> values = new HashMap<>();
    for (String line : r.output().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.contains(" ")) {
        values.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    return values;
  }
}
