package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Times every workload of {@link Workloads} once in this JVM and prints one {@code
 * name<TAB>seconds} line per workload (the median of its samples), after comment lines {@code # key
 * value} that describe the run. {@link Compare} starts one fresh JVM with this class per tapegrad
 * configuration and round; it can also be run by hand:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dtapegrad.threads=2 -XX:ActiveProcessorCount=2 \
 *     -cp benchmarks/target/benchmarks.jar dev.tapegrad.benchmarks.TapegradRun \
 *     [--quick] [--only NAME,NAME...] [--portable-first]
 * </pre>
 *
 * <p>Before any is timed, every workload runs in turn a few times: the kernels are shared, so this
 * lets C2 see every path through them before compiling, instead of compiling on the profile of one
 * workload and deoptimizing on the next. {@code --portable-first} first runs every workload on the
 * portable Java kernels as well (what the old single-JVM runner did), to measure what that does to
 * the timings that follow.
 */
public final class TapegradRun {
  private TapegradRun() {}

  /** Runs the workloads; see the class documentation for the options. */
  public static void main(String[] args) {
    Timing timing = Timing.FULL;
    Set<String> only = null;
    boolean portableFirst = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick":
          timing = Timing.QUICK;
          break;
        case "--only":
          if (i + 1 >= args.length) {
            usage();
          }
          only = new HashSet<>(Arrays.asList(args[++i].split(",")));
          break;
        case "--portable-first":
          portableFirst = true;
          break;
        default:
          usage();
      }
    }
    List<Workloads.Workload> workloads;
    try {
      workloads = select(Workloads.all(), only);
    } catch (IllegalArgumentException e) {
      System.err.println("TapegradRun: " + e.getMessage());
      System.exit(2);
      return;
    }
    facts().forEach(line -> System.out.println("# " + line));
    System.out.flush();
    if (portableFirst) {
      Kernels previous = KernelProvider.set(KernelProvider.create("java"));
      try {
        List<Workloads.Workload> portable = select(Workloads.all(), only);
        prewarm(portable, timing == Timing.QUICK ? 1 : 2);
        for (Workloads.Workload w : portable) {
          timing.median(w.task());
        }
      } finally {
        KernelProvider.set(previous);
      }
    }
    prewarm(workloads, timing == Timing.QUICK ? 1 : 2);
    for (Workloads.Workload w : workloads) {
      double seconds = timing.median(w.task());
      System.out.println(w.name() + "\t" + seconds);
      System.out.flush();
    }
    long collections = 0;
    long millis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      collections += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    // what the collector cost over the whole run, warm-up included
    System.out.printf(Locale.ROOT, "# gc-work %d collections, %d ms%n", collections, millis);
  }

  private static void usage() {
    System.err.println("usage: TapegradRun [--quick] [--only NAME,NAME...] [--portable-first]");
    System.exit(2);
  }

  /** The workloads whose names are in {@code only} (all of them for null), in table order. */
  static List<Workloads.Workload> select(List<Workloads.Workload> all, Set<String> only) {
    if (only == null) {
      return all;
    }
    List<Workloads.Workload> chosen = new ArrayList<>();
    for (Workloads.Workload w : all) {
      if (only.contains(w.name())) {
        chosen.add(w);
      }
    }
    Set<String> known = all.stream().map(Workloads.Workload::name).collect(Collectors.toSet());
    for (String name : only) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException(
            "--only: unknown workload '" + name + "' (known: " + known + ")");
      }
    }
    return chosen;
  }

  /**
   * Runs every workload in turn, {@code rounds} times about half a second each, before any is timed
   * (see the class documentation).
   */
  private static void prewarm(List<Workloads.Workload> workloads, int rounds) {
    Timing warm = new Timing(0, 0, 1);
    for (int r = 0; r < rounds; r++) {
      for (Workloads.Workload w : workloads) {
        warm.runFor(w.task(), 0.5);
      }
    }
  }

  /** The {@code key value} facts printed before the results. */
  static List<String> facts() {
    Runtime runtime = Runtime.getRuntime();
    String gcs =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", "));
    return List.of(
        "framework tapegrad",
        "kernels " + KernelProvider.get(),
        "threads " + System.getProperty("tapegrad.threads", "(not set)"),
        "cpus " + runtime.availableProcessors(),
        "jvm " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        "gc " + gcs,
        String.format(Locale.ROOT, "max-heap %d MiB", runtime.maxMemory() >> 20));
  }
}
