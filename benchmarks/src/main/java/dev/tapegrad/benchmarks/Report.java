package dev.tapegrad.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison's results and their two renderings: a Markdown table for the README and a CSV of
 * every round's number. Pure formatting, so it is tested without timing anything.
 *
 * <p>Each configuration runs once per round, in a fresh process, and reports one median per
 * workload. A table cell is the median over rounds of those medians, with the spread (min–max over
 * rounds) beside it: the spread shows how much a fresh process (JIT, memory layout, other work on
 * the machine) moves the number. The ratio columns divide tapegrad's best median (over its thread
 * counts) by the other framework's best median: below 1, tapegrad is faster.
 */
final class Report {
  /** One column: a framework at one thread count. */
  record Config(String id, String framework, int threads, String label) {}

  /** One row: a workload, how its time is shown, and its flops or ops per call. */
  record Row(String name, Workloads.Unit unit, double work) {}

  private final List<Config> configs;
  private final List<Row> rows;

  /** workload name, then config id, then one median per round, in round order. */
  private final Map<String, Map<String, List<Double>>> seconds = new LinkedHashMap<>();

  Report(List<Config> configs, List<Row> rows) {
    this.configs = List.copyOf(configs);
    this.rows = List.copyOf(rows);
  }

  /** Records one round's median for a workload in a configuration. */
  void add(String workload, String configId, double secondsPerCall) {
    seconds
        .computeIfAbsent(workload, k -> new LinkedHashMap<>())
        .computeIfAbsent(configId, k -> new ArrayList<>())
        .add(secondsPerCall);
  }

  /** The rounds' medians for a workload in a configuration, empty if none. */
  List<Double> rounds(String workload, String configId) {
    return seconds.getOrDefault(workload, Map.of()).getOrDefault(configId, List.of());
  }

  /** The median over rounds, or NaN if the configuration has no result for the workload. */
  double median(String workload, String configId) {
    List<Double> r = rounds(workload, configId);
    return r.isEmpty() ? Double.NaN : Timing.median(r.stream().mapToDouble(d -> d).toArray());
  }

  /**
   * The configuration of {@code framework} with the lowest median for {@code workload}, or null if
   * it has none.
   */
  Config best(String workload, String framework) {
    Config best = null;
    for (Config c : configs) {
      double m = median(workload, c.id());
      if (c.framework().equals(framework)
          && !Double.isNaN(m)
          && (best == null || m < median(workload, best.id()))) {
        best = c;
      }
    }
    return best;
  }

  /** tapegrad's best median ÷ {@code other}'s best median, or NaN if either is missing. */
  double ratio(String workload, String other) {
    Config mine = best(workload, "tapegrad");
    Config theirs = best(workload, other);
    if (mine == null || theirs == null) {
      return Double.NaN;
    }
    return median(workload, mine.id()) / median(workload, theirs.id());
  }

  private boolean has(String framework) {
    for (Config c : configs) {
      if (c.framework().equals(framework)) {
        for (Map<String, List<Double>> byConfig : seconds.values()) {
          if (!byConfig.getOrDefault(c.id(), List.of()).isEmpty()) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * The Markdown table: one row per workload, one column per configuration with results, then the
   * ratios to PyTorch and to DJL where they ran.
   */
  String markdown() {
    List<Config> shown = new ArrayList<>();
    for (Config c : configs) {
      if (has(c.framework())) {
        shown.add(c);
      }
    }
    List<String> others = new ArrayList<>();
    for (String f : List.of("pytorch", "djl")) {
      if (has(f) && has("tapegrad")) {
        others.add(f);
      }
    }
    StringBuilder out = new StringBuilder("| workload |");
    for (Config c : shown) {
      out.append(' ').append(c.label()).append(" |");
    }
    for (String f : others) {
      out.append(" tapegrad ÷ ").append(f.equals("djl") ? "DJL" : "PyTorch").append(" |");
    }
    out.append("\n|---|");
    out.append("---|".repeat(shown.size() + others.size()));
    out.append('\n');
    for (Row row : rows) {
      out.append("| ").append(row.name()).append(" |");
      for (Config c : shown) {
        out.append(' ').append(cell(row, rounds(row.name(), c.id()))).append(" |");
      }
      for (String f : others) {
        double r = ratio(row.name(), f);
        out.append(' ');
        if (Double.isNaN(r)) {
          out.append('–');
        } else {
          Config mine = best(row.name(), "tapegrad");
          Config theirs = best(row.name(), f);
          out.append(
              String.format(
                  Locale.ROOT, "**%.2f** (%d ÷ %d)", r, mine.threads(), theirs.threads()));
        }
        out.append(" |");
      }
      out.append('\n');
    }
    return out.toString();
  }

  /**
   * One cell: the median over rounds and, with more than one round, the min–max; GFLOP/s for
   * products (higher is faster), time per op for the op chain, time per call otherwise.
   */
  static String cell(Row row, List<Double> rounds) {
    if (rounds.isEmpty()) {
      return "–";
    }
    double[] values = rounds.stream().mapToDouble(d -> d).toArray();
    double median = Timing.median(values);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    String spread;
    String value;
    switch (row.unit()) {
      case GFLOPS:
        value =
            formatTime(median)
                + String.format(Locale.ROOT, ", %.0f GF/s", row.work() / median / 1e9);
        // the slowest round has the fewest GFLOP/s
        spread =
            String.format(
                Locale.ROOT, "%.0f–%.0f GF/s", row.work() / max / 1e9, row.work() / min / 1e9);
        break;
      case PER_OP:
        value = formatTime(median / row.work()) + "/op";
        spread = formatTime(min / row.work()) + "–" + formatTime(max / row.work());
        break;
      default:
        value = formatTime(median);
        spread = formatTime(min) + "–" + formatTime(max);
    }
    return values.length == 1 ? value : value + " (" + spread + ")";
  }

  /**
   * Every round's number: {@code workload,unit,work,framework,threads,config,round,seconds}, one
   * line per workload, configuration and round.
   */
  String csv() {
    StringBuilder out =
        new StringBuilder("workload,unit,work,framework,threads,config,round,seconds\n");
    for (Row row : rows) {
      for (Config c : configs) {
        List<Double> r = rounds(row.name(), c.id());
        for (int i = 0; i < r.size(); i++) {
          out.append(
              String.format(
                  Locale.ROOT,
                  "%s,%s,%s,%s,%d,%s,%d,%s%n",
                  row.name(),
                  row.unit().name().toLowerCase(Locale.ROOT),
                  formatNumber(row.work()),
                  c.framework(),
                  c.threads(),
                  c.id(),
                  i + 1,
                  r.get(i)));
        }
      }
    }
    return out.toString();
  }

  private static String formatNumber(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /** A time in readable units: ns, µs, ms or s, three significant digits. */
  static String formatTime(double seconds) {
    // round first, so that 999.96 µs reads 1.00 ms rather than 1.00e+03 µs
    double t = Double.parseDouble(String.format(Locale.ROOT, "%.3g", seconds));
    if (t < 1e-6) {
      return String.format(Locale.ROOT, "%.3g ns", t * 1e9);
    }
    if (t < 1e-3) {
      return String.format(Locale.ROOT, "%.3g µs", t * 1e6);
    }
    if (t < 1) {
      return String.format(Locale.ROOT, "%.3g ms", t * 1e3);
    }
    return String.format(Locale.ROOT, "%.3g s", t);
  }
}
