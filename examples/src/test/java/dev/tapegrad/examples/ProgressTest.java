package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress output, driven by a fake clock (no timing is measured). */
class ProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private long now;

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void withoutATerminalItPrintsAPlainLineEveryFewSeconds() {
    try (Progress p = new Progress("training", 1000, out, false, () -> now, Progress.PLAIN_EVERY_NANOS)) {
      for (int i = 0; i < 1000; i++) {
        now += 50_000_000L; // 50 ms a step: 50 s in all
        p.step("loss " + i);
        if (i == 500) {
          p.log("a log line");
        }
      }
    }
    String text = output();
    assertFalse(text.contains("\r"), "no carriage returns in a log file");
    String[] lines = text.split("\n");
    // one line per 5 s of the 50 s, the log line, and the final line
    assertEquals(10 + 1, lines.length, text); // one line per 5 s of the 50 s (the last at the end), and the log line
    for (String line : lines) {
      assertTrue(line.length() < 200, "a short line: " + line);
    }
    assertTrue(lines[0].startsWith("training 100/1000 ( 10%) 0:05, 0:45 left, loss 99"), lines[0]);
    assertTrue(text.contains("\na log line\n"), text);
    assertTrue(lines[lines.length - 1].startsWith("training 1000/1000 (100%) 0:50"), lines[lines.length - 1]);
  }

  @Test
  void inATerminalALogLineClearsTheBarAndTheBarIsRedrawnBelowIt() {
    try (Progress p = new Progress("training", 10, out, true, () -> now, Progress.PLAIN_EVERY_NANOS)) {
      for (int i = 0; i < 10; i++) {
        now += 200_000_000L;
        p.step("");
        if (i == 4) {
          p.log("--- step 5 ---");
        }
      }
    }
    String text = output();
    int log = text.indexOf("--- step 5 ---\n");
    assertTrue(log > 0, text.replace("\r", "<CR>"));
    // just before the log line: a carriage return after blanks that erased the bar
    String before = text.substring(0, log);
    assertTrue(before.endsWith(" \r"), "bar cleared before the log line: [" + before + "]");
    String after = text.substring(log + "--- step 5 ---\n".length());
    assertTrue(after.startsWith("\rtraining ["), "bar redrawn on its own line: [" + after + "]");
    assertTrue(text.endsWith("10/10 (100%) 0:02\n"), text.replace("\r", "<CR>"));
  }
}
