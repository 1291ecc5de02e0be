package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.kernel.KernelProvider;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The side-by-side comparison: tapegrad, PyTorch and (when built with {@code -Pdjl}) DJL on the
 * same workloads ({@link Workloads}), each framework at 1 and 2 threads, each configuration in a
 * fresh process per round, rounds alternating the frameworks. Writes a Markdown table (median and
 * min–max over rounds, ratios of tapegrad's best to the others' best) and a CSV of every round's
 * number. Run from the repository root:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.tapegrad.benchmarks.Compare [options]
 * </pre>
 *
 * Options: {@code --quick} (a smoke test: short timing, 1 round), {@code --rounds N} (default 3),
 * {@code --threads 1,2}, {@code --out FILE.md} (default {@code benchmarks/target/compare.md}, the
 * CSV beside it), {@code --only NAME,NAME}, {@code --no-torch}, {@code --no-djl}, {@code --python
 * PATH} (default Debian's {@code /usr/bin/python3}), {@code --script PATH} (default {@code
 * tools/bench_torch.py}), {@code --jvm-arg ARG} (repeatable, added to every tapegrad JVM).
 *
 * <p>The configurations, exactly:
 *
 * <ul>
 *   <li>tapegrad, N threads: {@code java --add-modules jdk.incubator.vector}, {@link
 *       KernelProvider#RECOMMENDED_JVM_FLAGS} (what every tapegrad JVM should run with: this JVM
 *       runs every workload in turn, the case those flags are for), {@link #tapegradThreadFlags}
 *       and {@link #COLLECTOR}, running {@link TapegradRun} (the Vector API kernels).
 *   <li>PyTorch, 1 thread; PyTorch, 2 threads with {@code OMP_WAIT_POLICY=PASSIVE}: PyTorch's
 *       default OpenMP threads spin-wait, and on 2 cores they spin against OpenBLAS's own threads
 *       and run up to 4x slower, so its 2-thread setting is taken at its best, not its default.
 *   <li>DJL (its PyTorch engine and the libtorch inside its native jar), 1 and 2 threads, the
 *       latter also with {@code OMP_WAIT_POLICY=PASSIVE}; offline, nothing downloaded.
 * </ul>
 */
public final class Compare {
  private Compare() {}

  /**
   * The JVM flags that give tapegrad {@code threads} threads: its own setting, and the CPU count
   * the JVM reports (which sizes the collector and any code that still reads it). The one place to
   * change when the thread setting changes: once every kernel follows {@code tapegrad.threads},
   * drop {@code ActiveProcessorCount}, which also gives the 1-thread JVM a single GC thread (in one
   * loaded run, 13.7 s of G1 pauses at 1 CPU against 5.4 s at 2).
   */
  static List<String> tapegradThreadFlags(int threads) {
    return List.of("-Dtapegrad.threads=" + threads, "-XX:ActiveProcessorCount=" + threads);
  }

  /**
   * The collector of every tapegrad JVM unless {@code --jvm-arg} names another: the one HotSpot
   * picks for this machine. Without it, {@code -XX:ActiveProcessorCount=1} would also switch the
   * 1-thread JVM to the Serial collector, whose heap stays near its initial size (365 MB on a 24 GB
   * machine) while one LSTM char step allocates about 260 MB: 2.7 young collections per step and a
   * full one every few steps, a cost of the collector rather than of the thread count.
   */
  static final String COLLECTOR = "-XX:+UseG1GC";

  /** The flags of a tapegrad JVM at {@code threads} threads, with the user's extra flags. */
  static List<String> tapegradJvmFlags(int threads, List<String> extra) {
    List<String> flags = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector"));
    flags.addAll(KernelProvider.RECOMMENDED_JVM_FLAGS);
    flags.addAll(tapegradThreadFlags(threads));
    if (extra.stream().noneMatch(a -> a.matches("-XX:\\+Use\\w*GC"))) {
      flags.add(COLLECTOR);
    }
    flags.addAll(extra);
    return flags;
  }

  /** The environment for a native framework (PyTorch, DJL) at {@code threads} threads. */
  static Map<String, String> nativeThreadEnv(int threads) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OMP_NUM_THREADS", Integer.toString(threads));
    env.put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
    env.put("MKL_NUM_THREADS", Integer.toString(threads));
    if (threads > 1) {
      env.put("OMP_WAIT_POLICY", "PASSIVE");
    }
    return env;
  }

  /** The options of one comparison run. */
  static final class Options {
    boolean quick;
    int rounds = -1;
    List<Integer> threads = List.of(1, 2);
    Path out;
    String only;
    boolean torch = true;
    boolean djl = true;
    String python =
        Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Path script;
    List<String> jvmArgs = new ArrayList<>();

    int rounds() {
      return rounds > 0 ? rounds : quick ? 1 : 3;
    }
  }

  static Options parse(String[] args) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick":
          o.quick = true;
          break;
        case "--rounds":
          o.rounds = Integer.parseInt(value(args, ++i, a));
          if (o.rounds < 1) {
            throw new IllegalArgumentException("--rounds: need at least 1, got " + o.rounds);
          }
          break;
        case "--threads":
          List<Integer> t = new ArrayList<>();
          for (String s : value(args, ++i, a).split(",")) {
            int n = Integer.parseInt(s.strip());
            if (n < 1) {
              throw new IllegalArgumentException("--threads: need counts >= 1, got " + n);
            }
            t.add(n);
          }
          o.threads = List.copyOf(t);
          break;
        case "--out":
          o.out = Path.of(value(args, ++i, a));
          break;
        case "--only":
          o.only = value(args, ++i, a);
          break;
        case "--no-torch":
          o.torch = false;
          break;
        case "--no-djl":
          o.djl = false;
          break;
        case "--python":
          o.python = value(args, ++i, a);
          break;
        case "--script":
          o.script = Path.of(value(args, ++i, a));
          break;
        case "--jvm-arg":
          o.jvmArgs.add(value(args, ++i, a));
          break;
        default:
          throw new IllegalArgumentException(
              "unknown option '"
                  + a
                  + "'; usage: Compare [--quick] [--rounds N] [--threads 1,2]"
                  + " [--out FILE.md] [--only NAME,NAME] [--no-torch] [--no-djl] [--python PATH]"
                  + " [--script tools/bench_torch.py] [--jvm-arg ARG]...");
      }
    }
    return o;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** One process to start: a configuration's command line and environment. */
  record Launch(Report.Config config, List<String> command, Map<String, String> env) {}

  /** Runs the comparison; see the class documentation for the options. */
  public static void main(String[] args) throws IOException, InterruptedException {
    Options o;
    List<Workloads.Workload> selected;
    try {
      o = parse(args);
      selected =
          TapegradRun.select(Workloads.all(), o.only == null ? null : Set.of(o.only.split(",")));
    } catch (IllegalArgumentException e) {
      System.err.println("Compare: " + e.getMessage());
      System.exit(2);
      return;
    }
    Instant started = Instant.now();
    Path target =
        Files.isDirectory(Path.of("benchmarks"))
            ? Path.of("benchmarks", "target")
            : Path.of("target");
    Path out = o.out != null ? o.out : target.resolve("compare.md");
    Path csv = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".csv");

    List<Launch> launches = launches(o);
    List<Report.Row> rows = new ArrayList<>();
    for (Workloads.Workload w : selected) {
      rows.add(new Report.Row(w.name(), w.unit(), w.work()));
    }
    List<Report.Config> configs = new ArrayList<>();
    for (Launch l : launches) {
      configs.add(l.config());
    }
    Report report = new Report(configs, rows);
    Map<String, Map<String, String>> facts = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    String load0 = loadAverage();

    int rounds = o.rounds();
    for (int r = 0; r < rounds; r++) {
      // each round starts one configuration later, so no configuration always runs first
      for (int k = 0; k < launches.size(); k++) {
        Launch l = launches.get((k + r) % launches.size());
        System.out.printf(Locale.ROOT, "# round %d/%d: %s%n", r + 1, rounds, l.config().label());
        WorkerResult result = run(l);
        if (result.error != null) {
          String problem = "round " + (r + 1) + ", " + l.config().label() + ": " + result.error;
          problems.add(problem);
          System.out.println("#   failed: " + result.error);
          continue;
        }
        facts.putIfAbsent(l.config().id(), result.facts);
        result.seconds.forEach(
            (name, s) -> {
              report.add(name, l.config().id(), s);
              System.out.printf(Locale.ROOT, "#   %-28s %s%n", name, Report.formatTime(s));
            });
      }
      // after every round, so that an interrupted run still leaves the rounds it finished
      String markdown =
          document(
              o,
              r + 1,
              commandLine(args),
              started,
              load0,
              loadAverage(),
              launches,
              facts,
              problems,
              report);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, markdown, StandardCharsets.UTF_8);
      Files.writeString(csv, report.csv(), StandardCharsets.UTF_8);
    }
    System.out.println();
    System.out.print(report.markdown());
    System.out.println();
    System.out.println(
        "# wrote "
            + out
            + " and "
            + csv
            + " in "
            + Math.round(ChronoUnit.SECONDS.between(started, Instant.now()) / 60.0 * 10) / 10.0
            + " min");
  }

  /** The processes of one round, in order: frameworks alternate, fewer threads first. */
  static List<Launch> launches(Options o) throws IOException {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    String classpath = System.getProperty("java.class.path");
    List<String> workerArgs = new ArrayList<>();
    if (o.quick) {
      workerArgs.add("--quick");
    }
    if (o.only != null) {
      workerArgs.addAll(List.of("--only", o.only));
    }
    Path script = o.script != null ? o.script : findScript();
    Properties djl = djlSettings();
    if (o.torch && script == null) {
      System.out.println(
          "# tools/bench_torch.py not found (run from the repository root or"
              + " pass --script): no PyTorch columns");
    }
    if (o.djl && djl == null) {
      System.out.println("# DJL not built (mvn -Pbench,djl ...): no DJL columns");
    }
    List<Launch> list = new ArrayList<>();
    for (int threads : o.threads) {
      String plural = threads == 1 ? " thread" : " threads";
      List<String> tg = new ArrayList<>(List.of(javaBin.toString()));
      tg.addAll(tapegradJvmFlags(threads, o.jvmArgs));
      tg.addAll(List.of("-cp", classpath, TapegradRun.class.getName()));
      tg.addAll(workerArgs);
      list.add(
          new Launch(
              new Report.Config(
                  "tapegrad-" + threads, "tapegrad", threads, "tapegrad " + threads + plural),
              tg,
              Map.of()));

      Map<String, String> env = nativeThreadEnv(threads);
      String passive = threads > 1 ? ", passive" : "";
      if (o.torch && script != null) {
        List<String> py =
            new ArrayList<>(
                List.of(o.python, script.toString(), "--threads", Integer.toString(threads)));
        py.addAll(workerArgs);
        list.add(
            new Launch(
                new Report.Config(
                    "pytorch-" + threads,
                    "pytorch",
                    threads,
                    "PyTorch " + threads + plural + passive),
                py,
                env));
      }
      if (o.djl && djl != null) {
        List<String> dj = new ArrayList<>(List.of(javaBin.toString()));
        for (String key : new java.util.TreeSet<>(djl.stringPropertyNames())) {
          if (!key.equals("classpath")) {
            dj.add("-D" + key + "=" + djl.getProperty(key));
          }
        }
        dj.add("-Dai.djl.pytorch.num_threads=" + threads);
        dj.add("-Dai.djl.pytorch.num_interop_threads=1");
        dj.addAll(
            List.of(
                "-cp",
                classpath + File.pathSeparator + djl.getProperty("classpath"),
                Compare.class.getPackageName() + ".DjlRun"));
        dj.addAll(workerArgs);
        list.add(
            new Launch(
                new Report.Config(
                    "djl-" + threads, "djl", threads, "DJL " + threads + plural + passive),
                dj,
                env));
      }
    }
    // order within a round: tapegrad 1, PyTorch 1, DJL 1, tapegrad 2, ...; interleaving keeps
    // a slow phase of the machine from landing on one framework only
    return list;
  }

  /**
   * The settings the {@code djl} profile wrote for the DJL runner (its classpath, offline mode,
   * cache directory), or null if the runner was not built.
   */
  static Properties djlSettings() throws IOException {
    try (InputStream in = Compare.class.getResourceAsStream("djl.properties");
        InputStream cp = Compare.class.getResourceAsStream("djl-classpath.txt")) {
      if (in == null || cp == null || Compare.class.getResource("DjlRun.class") == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      p.setProperty("classpath", new String(cp.readAllBytes(), StandardCharsets.UTF_8).strip());
      return p;
    }
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

  /** What a worker process printed: its facts and its median per workload, or why it failed. */
  static final class WorkerResult {
    final Map<String, String> facts = new LinkedHashMap<>();
    final Map<String, Double> seconds = new LinkedHashMap<>();
    String error;
  }

  private static WorkerResult run(Launch launch) throws InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(launch.command());
    builder.environment().putAll(launch.env());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      WorkerResult r = new WorkerResult();
      r.error = "cannot start " + launch.command().get(0) + ": " + e.getMessage();
      return r;
    }
    CompletableFuture<String> stderr =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return e.toString();
              }
            });
    String stdout;
    try {
      stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      stdout = "";
    }
    WorkerResult result;
    if (!process.waitFor(30, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      result = new WorkerResult();
      result.error = "timed out after 30 minutes";
      return result;
    }
    try {
      result = parseWorkerOutput(stdout);
    } catch (IllegalArgumentException e) {
      result = new WorkerResult();
      result.error = e.getMessage();
    }
    if (process.exitValue() != 0) {
      String err = stderr.join().strip();
      String[] lines = err.split("\n");
      result.error =
          "exit "
              + process.exitValue()
              + (err.isEmpty()
                  ? ""
                  : ": "
                      + String.join(
                          " | ",
                          List.of(lines).subList(Math.max(0, lines.length - 3), lines.length)));
    }
    return result;
  }

  /**
   * Parses a worker's output: lines {@code name<TAB>seconds}, and comment lines {@code # key value}
   * for the facts of the run (framework version, threads, collector).
   */
  static WorkerResult parseWorkerOutput(String output) {
    WorkerResult r = new WorkerResult();
    for (String line : output.split("\n")) {
      line = line.strip();
      if (line.startsWith("#")) {
        String fact = line.substring(1).strip();
        int space = fact.indexOf(' ');
        if (space > 0) {
          r.facts.put(fact.substring(0, space), fact.substring(space + 1).strip());
        }
      } else if (!line.isEmpty()) {
        int tab = line.lastIndexOf('\t');
        if (tab < 0) {
          throw new IllegalArgumentException("worker: unexpected line '" + line + "'");
        }
        r.seconds.put(line.substring(0, tab).strip(), Double.parseDouble(line.substring(tab + 1)));
      }
    }
    return r;
  }

  private static String commandLine(String[] args) {
    List<String> parts =
        new ArrayList<>(
            List.of("java", "-cp", System.getProperty("java.class.path"), Compare.class.getName()));
    parts.addAll(List.of(args));
    StringBuilder s = new StringBuilder();
    for (String p : parts) {
      s.append(s.length() == 0 ? "" : " ")
          .append(p.matches("[A-Za-z0-9_./:=,+-]+") ? p : "'" + p.replace("'", "'\\''") + "'");
    }
    return s.toString();
  }

  /** The CPU model named in {@code /proc/cpuinfo}, or what the JVM says about the machine. */
  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }

  private static String cpuFlags() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          List<String> simd = new ArrayList<>();
          for (String f : List.of("avx2", "fma", "avx512f")) {
            if ((" " + line + " ").contains(" " + f + " ")) {
              simd.add(f);
            }
          }
          return String.join(", ", simd);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return "?";
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static String memory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(Locale.ROOT, "%.0f GiB", kib / 1048576.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return "?";
  }

  private static String document(
      Options o,
      int roundsDone,
      String command,
      Instant started,
      String load0,
      String load1,
      List<Launch> launches,
      Map<String, Map<String, String>> facts,
      List<String> problems,
      Report report) {
    StringBuilder d = new StringBuilder();
    d.append("<!-- written by dev.tapegrad.benchmarks.Compare; see docs/performance.md -->\n\n");
    d.append(report.markdown()).append('\n');
    d.append("Each cell: the median over ")
        .append(roundsDone)
        .append(roundsDone == 1 ? " round" : " rounds")
        .append(" of each round's median");
    if (roundsDone > 1) {
      d.append(", and in brackets the slowest and fastest round");
    }
    d.append(
        ". Every configuration ran in a fresh process per round, rounds alternating the "
            + "frameworks. Ratios: tapegrad's best median ÷ the other framework's best median "
            + "(below 1, tapegrad is faster); in brackets the thread counts that were best.");
    if (o.quick) {
      d.append(" **Quick mode: short warm-up and few samples, a smoke test, not a measurement.**");
    }
    d.append("\n\n");
    d.append("- Command: `").append(command).append("`\n");
    d.append("- Started ")
        .append(started.truncatedTo(ChronoUnit.SECONDS))
        .append(", ")
        .append(o.quick ? "quick" : "full")
        .append(" timing, ")
        .append(roundsDone)
        .append(" of ")
        .append(o.rounds())
        .append(o.rounds() == 1 ? " round" : " rounds")
        .append(roundsDone < o.rounds() ? " so far" : "")
        .append(", ")
        .append(ChronoUnit.SECONDS.between(started, Instant.now()) / 60)
        .append(" min")
        .append("; load average ")
        .append(load0)
        .append(" at the start, ")
        .append(load1)
        .append(" at the end\n");
    d.append("- Machine: ")
        .append(cpuModel())
        .append(" (")
        .append(cpuFlags())
        .append("), ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs, ")
        .append(memory())
        .append(", ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.version"))
        .append('\n');
    d.append("- JDK: ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append('\n');
    for (Launch l : launches) {
      Map<String, String> f = facts.get(l.config().id());
      d.append("- ").append(l.config().label()).append(": ");
      if (f == null) {
        d.append("no result");
      } else {
        List<String> parts = new ArrayList<>();
        f.forEach(
            (k, v) -> {
              if (!k.equals("framework")) {
                parts.add(k + " " + v);
              }
            });
        d.append(String.join("; ", parts));
      }
      if (!l.env().isEmpty()) {
        List<String> env = new ArrayList<>();
        l.env().forEach((k, v) -> env.add(k + "=" + v));
        d.append("; environment ").append(String.join(" ", env));
      }
      List<String> flags = new ArrayList<>();
      for (String arg : l.command()) {
        if (arg.startsWith("-X") || arg.startsWith("-Dtapegrad") || arg.startsWith("-Dai.djl.p")) {
          flags.add(arg);
        }
      }
      if (!flags.isEmpty()) {
        d.append("; flags ").append(String.join(" ", flags));
      }
      d.append('\n');
    }
    for (String p : problems) {
      d.append("- Failed: ").append(p).append('\n');
    }
    return d.toString();
  }
}
