package dev.tapegrad.examples;

import java.io.Console;
import java.io.PrintStream;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows the progress of a long loop with {@code me.tongfei:progressbar}, and keeps log lines apart
 * from it.
 *
 * <p>The library draws the line (task, percentage, bar, counts, elapsed and remaining time, then
 * the message) on its own thread; this adapter only chooses how the line reaches the stream:
 *
 * <ul>
 *   <li>In a terminal the bar is one line redrawn in place ({@code \r}) every 100 ms. The library's
 *       default consumer for such terminals draws the bar one line up with cursor movement, so
 *       anything printed below it is overwritten on the next redraw; this adapter uses its plain
 *       {@link ConsoleProgressBarConsumer} instead, and {@link #log} clears the bar, prints the
 *       line and redraws the bar below it, all under one lock with the drawing thread, so a log
 *       line never lands in the middle of the bar.
 *   <li>Anywhere else (CI logs, {@code | tee}, a file) redrawn lines would pile up into one
 *       enormous line, so each update is a plain, complete line of at most {@link #PLAIN_WIDTH}
 *       characters, at most every {@link #PLAIN_EVERY_MILLIS} ms: one at the start, one when the
 *       count has advanced since the last, and one at the end. The library renders the end twice
 *       when the count advanced since its last line; a line that differs from the previous one only
 *       in its times is dropped.
 * </ul>
 *
 * <p>Only lines printed through {@link #log} are kept apart from the bar; whatever other code
 * writes to the terminal meanwhile (a logger on standard error, say) lands after the bar's text.
 *
 * <p>The bar is ASCII in both cases: a JVM whose locale is not UTF-8 prints the library's Unicode
 * blocks as {@code ?}, and escape codes for colour do not belong in a log file.
 */
final class Progress implements AutoCloseable {
  static final int TERMINAL_REDRAW_MILLIS = 100;
  static final int PLAIN_EVERY_MILLIS = 5_000;
  static final int PLAIN_WIDTH = 120;

  private final PrintStream out;
  private final boolean terminal;
  private final Lines lines;
  private final ProgressBar bar;

  /**
   * Progress on {@code out}, drawn as a bar if {@code terminal}, else as plain lines; the library
   * renders every {@code updateMillis} ms (tests pass a huge value and call {@link #refresh}).
   */
  Progress(String task, long total, PrintStream out, boolean terminal, int updateMillis) {
    this.out = out;
    this.terminal = terminal;
    this.lines =
        terminal
            ? new Lines(new ConsoleProgressBarConsumer(out, barWidth(out)), false)
            : new Lines(new DelegatingProgressBarConsumer(out::println, PLAIN_WIDTH), true);
    ProgressBarBuilder builder =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(updateMillis)
            .setConsumer(lines);
    if (terminal) {
      builder.continuousUpdate(); // the clock moves between steps, and log() must redraw the bar
    }
    this.bar = builder.build();
  }

  /**
   * The terminal's width less one column, as the library reads it, but once: without a native
   * terminal library JLine reads the width by running {@code stty}, which on every redraw would
   * start ten processes a second. A terminal resized during the loop keeps the starting width.
   */
  private static int barWidth(PrintStream out) {
    return new ConsoleProgressBarConsumer(out).getMaxRenderedLength();
  }

  /** Progress on {@code out}, drawn as a bar only when the JVM has an interactive terminal. */
  static Progress start(String task, long total, PrintStream out) {
    boolean terminal = out == System.out && isTerminal();
    return new Progress(
        task, total, out, terminal, terminal ? TERMINAL_REDRAW_MILLIS : PLAIN_EVERY_MILLIS);
  }

  /**
   * Whether standard output is an interactive terminal: {@code System.console()} is null when it is
   * redirected; from JDK 22 on, a console may exist anyway and {@code Console.isTerminal()} tells.
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
    bar.setExtraMessage(message.strip());
    bar.step();
  }

  /** Moves to {@code done} (a resumed run starts past 0) and sets the message. */
  void stepTo(long done, String message) {
    bar.setExtraMessage(message.strip());
    bar.stepTo(done);
  }

  /** Prints a line of its own, never mixed into the bar. */
  void log(String text) {
    synchronized (lines) {
      if (terminal && lines.drawn) {
        lines.clear();
      }
      out.println(text);
      out.flush();
    }
    if (terminal) {
      bar.refresh();
    }
  }

  /** Renders the current state now, as the library's timer does. */
  void refresh() {
    bar.refresh();
  }

  /** Renders the final state and ends the bar's line (or prints the last plain line). */
  @Override
  public void close() {
    bar.close();
    // The library skips closing its consumer when it is closed before its first timed render.
    lines.close();
    out.flush();
  }

  /** The library's consumer behind one lock, so that log() and the drawing thread take turns. */
  private static final class Lines implements ProgressBarConsumer {
    /** The elapsed and remaining times in a rendered line, {@code (0:00:12 / 0:01:40)}. */
    private static final Pattern TIMES = Pattern.compile("\\(\\d+:\\d\\d:\\d\\d( / [^)]*)?\\)");

    private final ProgressBarConsumer consumer;
    private final boolean plain;
    private String lastPlain;
    private boolean drawn;
    private boolean closed;

    Lines(ProgressBarConsumer consumer, boolean plain) {
      this.consumer = consumer;
      this.plain = plain;
    }

    @Override
    public int getMaxRenderedLength() {
      return consumer.getMaxRenderedLength();
    }

    @Override
    public synchronized void accept(String rendered) {
      if (closed) {
        return;
      }
      if (plain) {
        String news = TIMES.matcher(rendered).replaceFirst("");
        if (news.equals(lastPlain)) {
          return;
        }
        lastPlain = news;
      }
      consumer.accept(rendered);
      drawn = true;
    }

    @Override
    public synchronized void clear() {
      consumer.clear();
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        consumer.close();
      }
    }
  }
}
