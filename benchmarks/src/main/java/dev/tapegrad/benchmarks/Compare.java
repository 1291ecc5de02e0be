package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Times the workloads of {@link Workloads} on each available kernel provider and, when a Python
 * with PyTorch is at hand, the same workloads in PyTorch ({@code tools/bench_torch.py}), then
 * prints one table with the ratios. Run from the repository root:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.tapegrad.benchmarks.Compare [--quick] [--no-torch] [--python python3]
 *     [--script tools/bench_torch.py] [--cpu-time]
 * </pre>
 *
 * <p>{@code --cpu-time} times the calling thread's CPU time instead of wall time, on both sides,
 * with PyTorch on one thread: the cost of the work itself on a machine busy with other work. It
 * is meaningful single-threaded only, so start the JVM with {@code -XX:ActiveProcessorCount=1}.
 */
public final class Compare {
  private Compare() {}

  /** Runs the comparison; see the class documentation for the options. */
  public static void main(String[] args) throws IOException, InterruptedException {
    boolean quick = false;
    boolean torch = true;
    String python = "python3";
    String script = null;
    boolean cpuTime = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--no-torch" -> torch = false;
        case "--python" -> python = argument(args, ++i, "--python");
        case "--script" -> script = argument(args, ++i, "--script");
        case "--cpu-time" -> cpuTime = true;
        default -> {
          System.err.println(
              "usage: Compare [--quick] [--no-torch] [--python PATH]"
                  + " [--script tools/bench_torch.py] [--cpu-time]");
          System.exit(2);
        }
      }
    }
    Timing timing =
        quick ? new Timing(0.2, 0.02, 5, cpuTime) : new Timing(1.0, 0.05, 15, cpuTime);
    if (cpuTime && Runtime.getRuntime().availableProcessors() > 1) {
      System.out.println(
          "# --cpu-time counts one thread only: start the JVM with -XX:ActiveProcessorCount=1");
    }

    List<String> providers = new ArrayList<>(List.of("java"));
    try {
      KernelProvider.create("panama");
      providers.add("panama");
    } catch (IllegalStateException e) {
      System.out.println("# " + e.getMessage());
    }
    Map<String, Map<String, Double>> times = new LinkedHashMap<>();
    Map<String, Double> flops = new LinkedHashMap<>();
    for (String provider : providers) {
      Kernels previous = KernelProvider.set(KernelProvider.create(provider));
      try {
        List<Workload> workloads = workloads();
        prewarm(workloads, quick ? 1 : 3);
        for (Workload w : workloads) {
          double seconds = timing.median(w.task);
          times.computeIfAbsent(w.name, k -> new LinkedHashMap<>()).put(provider, seconds);
          if (w.flops > 0) {
            flops.put(w.name, w.flops);
          }
          System.out.printf(
              Locale.ROOT, "# %-24s %-7s %s%n", w.name, provider, formatTime(seconds));
        }
      } finally {
        KernelProvider.set(previous);
      }
    }

    String torchVersion = null;
    if (torch) {
      Path scriptPath = script != null ? Path.of(script) : findScript();
      if (scriptPath == null) {
        System.out.println(
            "# tools/bench_torch.py not found (run from the repository root or pass --script)");
      } else {
        TorchResult result = runTorch(python, scriptPath, quick, cpuTime);
        if (result == null) {
          System.out.println("# PyTorch side skipped: " + python + " with torch did not run");
        } else {
          torchVersion = result.version;
          result.seconds.forEach(
              (name, seconds) ->
                  times.computeIfAbsent(name, k -> new LinkedHashMap<>()).put("pytorch", seconds));
        }
      }
    }
    System.out.println();
    System.out.print(table(times, flops, providers, torchVersion));
  }

  private static String argument(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** A named workload: the task timed and, for matrix products, its floating-point operations. */
  private static final class Workload {
    final String name;
    final Supplier<?> task;
    final double flops;

    Workload(String name, Supplier<?> task, double flops) {
      this.name = name;
      this.task = task;
      this.flops = flops;
    }
  }

  /**
   * Runs every workload in turn, {@code rounds} times half a second each, before any is timed.
   * The kernels are shared, so this lets C2 see every path through them before compiling: a
   * method compiled on the profile of one workload is deoptimized by the next, and the methods a
   * training step calls only a few times each reach C2 after thousands of steps.
   */
  private static void prewarm(List<Workload> workloads, int rounds) {
    Timing warm = new Timing(0, 0, 1);
    for (int r = 0; r < rounds; r++) {
      for (Workload w : workloads) {
        warm.runFor(w.task, 0.5);
      }
    }
  }

  private static List<Workload> workloads() {
    List<Workload> list = new ArrayList<>();
    for (int size : Workloads.MATMUL_SIZES) {
      Workloads.Matmul w = new Workloads.Matmul(size);
      list.add(new Workload(w.name(), w::run, w.flops()));
    }
    for (boolean record : new boolean[] {false, true}) {
      Workloads.Add w = new Workloads.Add(record);
      list.add(new Workload(w.name(), w::run, 0));
    }
    for (int batch : Workloads.MLP_BATCHES) {
      Workloads.Mlp w = new Workloads.Mlp(batch);
      list.add(new Workload(w.name(), w::run, 0));
    }
    for (String cell : Workloads.RECURRENT_CELLS) {
      Workloads.CharStep w = new Workloads.CharStep(cell);
      list.add(new Workload(w.name(), w::run, 0));
    }
    return list;
  }

  private static Path findScript() {
    for (String candidate : new String[] {"tools/bench_torch.py", "../tools/bench_torch.py"}) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /** What the PyTorch script reported: its torch version and seconds per workload. */
  static final class TorchResult {
    final String version;
    final Map<String, Double> seconds;

    TorchResult(String version, Map<String, Double> seconds) {
      this.version = version;
      this.seconds = seconds;
    }
  }

  private static TorchResult runTorch(String python, Path script, boolean quick, boolean cpuTime)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(python, script.toString()));
    if (quick) {
      command.add("--quick");
    }
    if (cpuTime) {
      command.addAll(List.of("--cpu-time", "--threads", "1"));
    }
    Process process;
    try {
      process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      return null;
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
      return null;
    }
    return parseTorchOutput(output);
  }

  /**
   * Parses the script's output: lines {@code name<TAB>seconds}, and {@code # torch VERSION} for
   * the version; other lines starting with {@code #} are comments.
   */
  static TorchResult parseTorchOutput(String output) {
    String version = null;
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      line = line.strip();
      if (line.startsWith("# torch ")) {
        version = line.substring("# torch ".length()).strip();
      } else if (!line.isEmpty() && !line.startsWith("#")) {
        int tab = line.lastIndexOf('\t');
        if (tab < 0) {
          throw new IllegalArgumentException("bench_torch.py: unexpected line '" + line + "'");
        }
        seconds.put(line.substring(0, tab).strip(), Double.parseDouble(line.substring(tab + 1)));
      }
    }
    return new TorchResult(version, seconds);
  }

  /**
   * The comparison table: one row per workload, one time column per provider, PyTorch's time and
   * the ratio of the fastest tapegrad time to PyTorch's (below 1: tapegrad is faster); GFLOP/s
   * for the matrix products.
   */
  static String table(
      Map<String, Map<String, Double>> times,
      Map<String, Double> flops,
      List<String> providers,
      String torchVersion) {
    StringBuilder out = new StringBuilder();
    List<String> columns = new ArrayList<>();
    for (String p : providers) {
      columns.add("tapegrad " + p);
    }
    boolean haveTorch = times.values().stream().anyMatch(m -> m.containsKey("pytorch"));
    if (haveTorch) {
      columns.add("pytorch" + (torchVersion == null ? "" : " " + torchVersion));
    }
    out.append(String.format(Locale.ROOT, "%-24s", "median per call"));
    for (String c : columns) {
      out.append(String.format(Locale.ROOT, " %22s", c));
    }
    if (haveTorch) {
      out.append(String.format(Locale.ROOT, " %16s", "tapegrad/pytorch"));
    }
    out.append('\n');
    for (Map.Entry<String, Map<String, Double>> row : times.entrySet()) {
      Map<String, Double> t = row.getValue();
      Double work = flops.get(row.getKey());
      out.append(String.format(Locale.ROOT, "%-24s", row.getKey()));
      double best = Double.POSITIVE_INFINITY;
      List<String> keys = new ArrayList<>(providers);
      if (haveTorch) {
        keys.add("pytorch");
      }
      for (String key : keys) {
        Double s = t.get(key);
        String cell = s == null ? "-" : formatTime(s);
        if (s != null && work != null) {
          cell += String.format(Locale.ROOT, " %6.1f GF/s", work / s / 1e9);
        }
        out.append(String.format(Locale.ROOT, " %22s", cell));
        if (s != null && !key.equals("pytorch")) {
          best = Math.min(best, s);
        }
      }
      if (haveTorch) {
        Double torchTime = t.get("pytorch");
        out.append(
            String.format(
                Locale.ROOT,
                " %16s",
                torchTime == null || best == Double.POSITIVE_INFINITY
                    ? "-"
                    : String.format(Locale.ROOT, "%.2f", best / torchTime)));
      }
      out.append('\n');
    }
    return out.toString();
  }

  static String formatTime(double seconds) {
    if (seconds < 1e-6) {
      return String.format(Locale.ROOT, "%.0f ns", seconds * 1e9);
    }
    if (seconds < 1e-3) {
      return String.format(Locale.ROOT, "%.2f us", seconds * 1e6);
    }
    return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
  }
}
