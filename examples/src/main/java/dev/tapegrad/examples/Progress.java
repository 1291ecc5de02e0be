package dev.tapegrad.examples;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows the progress of a long loop, and keeps log lines apart from it.
 *
 * <p>In a terminal it draws one bar line that it redraws in place ({@code \r}) at most every
 * 100 ms; {@link #log} first clears the bar, prints the line, then draws the bar again below it,
 * so a log line never lands in the middle of the bar. Anywhere else (CI logs, {@code | tee}, a
 * file) a redrawn line would pile up into one enormous line, so it prints a plain, complete line
 * every few seconds and one at the end.
 */
final class Progress implements AutoCloseable {
  private static final long TERMINAL_REDRAW_NANOS = 100_000_000L;
  static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
  private static final int BAR = 30;

  private final String task;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final LongSupplier clock;
  private final long plainEvery;
  private final long start;
  private long done;
  private String message = "";
  private long lastDrawn = Long.MIN_VALUE;
  private int drawnWidth;

  Progress(String task, long total, PrintStream out, boolean terminal, LongSupplier clock, long plainEveryNanos) {
    this.task = task;
    this.total = total;
    this.out = out;
    this.terminal = terminal;
    this.clock = clock;
    this.plainEvery = plainEveryNanos;
    this.start = clock.getAsLong();
  }

  /** Progress on {@code out}, drawn as a bar only when the JVM has an interactive terminal. */
  static Progress start(String task, long total, PrintStream out) {
    return new Progress(task, total, out, out == System.out && isTerminal(), System::nanoTime, PLAIN_EVERY_NANOS);
  }

  /**
   * Whether standard output is an interactive terminal: {@code System.console()} is null when it
   * is redirected; from JDK 22 on, a console may exist anyway and {@code Console.isTerminal()}
   * tells.
   */
  static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // before JDK 22 a console exists only for a terminal
    }
  }

  /** Advances by one and sets the message shown after the counts. */
  void step(String message) {
    done++;
    this.message = message;
    long now = clock.getAsLong();
    if (terminal) {
      if (lastDrawn == Long.MIN_VALUE || now - lastDrawn >= TERMINAL_REDRAW_NANOS || done == total) {
        draw(now);
      }
    } else if (lastDrawn == Long.MIN_VALUE ? now - start >= plainEvery : now - lastDrawn >= plainEvery) {
      out.println(line(now));
      lastDrawn = now;
    }
  }

  /** Prints a line of its own, never mixed into the bar. */
  void log(String text) {
    if (terminal && drawnWidth > 0) {
      out.print("\r" + " ".repeat(drawnWidth) + "\r");
      out.println(text);
      draw(clock.getAsLong());
    } else {
      out.println(text);
    }
  }

  private void draw(long now) {
    String line = line(now);
    int pad = Math.max(0, drawnWidth - line.length());
    out.print("\r" + line + " ".repeat(pad));
    out.flush();
    drawnWidth = line.length();
    lastDrawn = now;
  }

  String line(long now) {
    double seconds = (now - start) / 1e9;
    double fraction = total == 0 ? 1 : done / (double) total;
    StringBuilder sb = new StringBuilder(task).append(' ');
    if (terminal) {
      int filled = (int) Math.round(fraction * BAR);
      sb.append('[').append("=".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ");
    }
    sb.append(String.format(Locale.ROOT, "%d/%d (%3.0f%%) %s", done, total, 100 * fraction, clockTime(seconds)));
    if (done > 0 && done < total) {
      sb.append(", ").append(clockTime(seconds / done * (total - done))).append(" left");
    }
    if (!message.isEmpty()) {
      sb.append(",").append(message.startsWith(" ") ? "" : " ").append(message.strip());
    }
    return sb.toString();
  }

  private static String clockTime(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** Draws the final state and ends the bar's line (or prints the last plain line). */
  @Override
  public void close() {
    long now = clock.getAsLong();
    if (terminal) {
      draw(now);
      out.println();
    } else if (lastDrawn != now) {
      out.println(line(now));
    }
    out.flush();
  }
}
