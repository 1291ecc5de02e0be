package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The line policy of {@link Progress} over the progress bar library. The library's timer is set so
 * far apart that it only renders at the start and at the end; the test renders in between by
 * calling {@link Progress#refresh}, as the timer would, so no timing is involved.
 */
class ProgressTest {
  private static final int NEVER = Integer.MAX_VALUE;

  private final Collected bytes = new Collected();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void withoutATerminalEachUpdateIsAPlainCompleteLine() {
    try (Progress p = new Progress("training", 1000, out, false, NEVER)) {
      bytes.await(text -> text.endsWith("\n")); // the library's line at the start
      for (int i = 0; i < 500; i++) {
        p.step("loss " + i);
      }
      p.refresh();
      p.log("a log line");
      p.refresh(); // no progress since the last line: nothing new to say
      for (int i = 500; i < 1000; i++) {
        p.step(" loss " + i);
      }
    }
    String text = bytes.text();
    assertFalse(text.contains("\r"), "no carriage returns in a log file");
    assertFalse(text.contains("\u001b"), "no escape codes in a log file");
    assertTrue(text.endsWith("\n"), text);
    String[] lines = text.split("\n");
    assertEquals(4, lines.length, text); // start, the refresh at 500, the log line, the end
    for (String line : lines) {
      assertTrue(line.length() <= Progress.PLAIN_WIDTH, "a short line: " + line);
    }
    assertTrue(lines[0].startsWith("training ") && lines[0].contains("   0/1000 "), lines[0]);
    assertTrue(
        lines[1].matches(
            "training  50% \\[=+ +\\]  500/1000 \\(\\d:\\d\\d:\\d\\d / \\d:\\d\\d:\\d\\d\\) loss 499"),
        lines[1]);
    assertEquals("a log line", lines[2]);
    assertTrue(
        lines[3].matches(
            "training 100% \\[=+\\] 1000/1000 \\(\\d:\\d\\d:\\d\\d / \\d:\\d\\d:\\d\\d\\) loss 999"),
        lines[3]);
  }

  @Test
  void inATerminalALogLineClearsTheBarAndTheBarIsRedrawnBelowIt() {
    String log = "--- step 5 ---\nThe sample\n";
    try (Progress p = new Progress("training", 10, out, true, NEVER)) {
      bytes.await(text -> text.contains("\rtraining"));
      for (int i = 0; i < 5; i++) {
        p.step("loss 2.5 bpc");
      }
      p.refresh();
      p.log(log.strip());
      for (int i = 5; i < 10; i++) {
        p.step("loss 1.5 bpc");
      }
    }
    String text = bytes.text();
    assertFalse(text.contains("\u001b["), "no cursor movement, which would draw over the log line");
    int at = text.indexOf(log);
    assertTrue(at > 0, visible(text));

    // just before the log line: the bar at step 5, then blanks over all of it and a carriage return
    Matcher before =
        Pattern.compile("\r(training[^\r\n]*)\r+( +)\r$").matcher(text.substring(0, at));
    assertTrue(before.find(), "bar cleared before the log line: " + visible(text));
    String bar = before.group(1);
    assertTrue(bar.contains(" 5/10 ") && bar.endsWith("loss 2.5 bpc"), bar);
    assertTrue(
        before.group(2).length() >= bar.length(), "the blanks cover the bar: " + visible(text));

    // just after it: the bar again, at the start of its own line
    String after = text.substring(at + log.length());
    assertTrue(
        after.startsWith("\rtraining ") && after.contains(" 5/10 "),
        "bar redrawn below: " + visible(after));
    String last = text.substring(text.lastIndexOf('\r') + 1);
    assertTrue(
        last.matches(
            "training 100% \\[=+\\] 10/10 \\(\\d:\\d\\d:\\d\\d / \\d:\\d\\d:\\d\\d\\) loss 1\\.5 bpc\n"),
        "the final bar, and its line ended: " + visible(last));
    assertEquals(
        3,
        text.chars().filter(c -> c == '\n').count(),
        "no line breaks but the log's two and the bar's last: " + visible(text));
  }

  @Test
  void closingAtOnceStillEndsTheBarLineExactlyOnce() {
    // The library skips its consumer's close when it is closed before its first timed render.
    new Progress("training", 3, out, true, NEVER).close();
    String text = bytes.text();
    assertTrue(text.endsWith("\n") && text.indexOf('\n') == text.length() - 1, visible(text));
    assertTrue(text.contains("0/3"), visible(text));
  }

  @Test
  void aStreamOtherThanStandardOutputGetsPlainLines() {
    try (Progress p = Progress.start("eval", 2, out)) {
      p.step("a");
      p.step("b");
    }
    String text = bytes.text();
    assertFalse(text.contains("\r"), visible(text));
    String[] lines = text.split("\n");
    assertTrue(lines[lines.length - 1].matches("eval 100% \\[=+\\] 2/2 \\(.*\\) b"), visible(text));
  }

  private static String visible(String text) {
    return "[" + text.replace("\r", "<CR>").replace("\n", "<LF>") + "]";
  }

  /** Bytes written from any thread; a test can wait until they say something. */
  private static final class Collected extends OutputStream {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void write(int b) {
      text.append((char) b);
      notifyAll();
    }

    synchronized String text() {
      return text.toString();
    }

    /**
     * Waits until the text so far satisfies {@code done}; the bound only keeps a bug from hanging
     * the build.
     */
    synchronized void await(Predicate<String> done) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      try {
        while (!done.test(text.toString())) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            fail("the progress bar never drew: " + visible(text.toString()));
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(e);
      }
    }
  }
}
