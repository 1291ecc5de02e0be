package dev.tapegrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM killed with SIGKILL in the middle of {@link Safetensors#save} keeps the previous checkpoint
 * loadable, and its temporary file does not outlive the next save.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SafetensorsCrashTest {
  /** 1M floats: a 4 MB data buffer, 64 write chunks, so the kill lands deep inside the data. */
  private static final int NUMEL = 1 << 20;

  private static final int KILLS = 3;

  @TempDir Path dir;

  private List<String> temporaries() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".tmp"))
          .sorted()
          .toList();
    }
  }

  /** Starts a child that saves version {@code n} and then stalls halfway through saving n + 1. */
  private Process startStalledSave(Path target, int n) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                StallingSaver.class.getName(),
                target.toString(),
                Integer.toString(n),
                Integer.toString(NUMEL))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    for (String line; (line = lines.readLine()) != null && !line.equals("stalled"); ) {
      seen.add(line);
    }
    assertEquals(List.of("saved " + n), seen, "child output before the stall");
    assertTrue(child.isAlive(), "the child stalls mid-save");
    return child;
  }

  private static void kill(Process child) throws InterruptedException {
    child.destroyForcibly(); // SIGKILL on POSIX: no shutdown hooks, no finally blocks
    assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, child.exitValue(), "killed by SIGKILL"); // 128 + 9
  }

  private static void assertVersion(Path target, int n) throws IOException {
    Safetensors loaded = Safetensors.load(target);
    assertEquals(Integer.toString(n), loaded.metadata().get("version"));
    float[] w = loaded.tensors().get("w").toFloatArray();
    assertEquals(NUMEL, w.length);
    float[] expected = new float[NUMEL];
    Arrays.fill(expected, n);
    assertArrayEquals(expected, w);
  }

  @Test
  void killsMidSaveKeepThePreviousFileAndLeaveNoTemporaryAfterTheNextSave() throws Exception {
    Path target = dir.resolve("model.safetensors");
    for (int kill = 0; kill < KILLS; kill++) {
      int n = 10 * kill;
      // The child's own first save also removes the temporary the previous kill left.
      Process child = startStalledSave(target, n);
      List<String> live = temporaries();
      assertEquals(
          1, live.size(), "one temporary, the live one, after " + kill + " kills: " + live);
      assertTrue(
          Files.size(dir.resolve(live.get(0))) >= 2L * NUMEL, "the stall is deep inside the data");
      kill(child);
      assertVersion(target, n);
      assertEquals(live, temporaries(), "the killed save's temporary is still there");
    }
    Safetensors.save(target, StallingSaver.version(99, NUMEL), Map.of("version", "99"));
    assertVersion(target, 99);
    assertEquals(List.of(), temporaries(), "the next save removed the killed save's temporary");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(
          List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void aSaveInProgressInAnotherProcessIsNotTakenForStale() throws Exception {
    Path target = dir.resolve("shared.safetensors");
    Process child = startStalledSave(target, 1);
    try {
      List<String> live = temporaries();
      assertEquals(1, live.size(), live.toString());
      // Another save of the same target meanwhile: it must leave the live temporary alone.
      Safetensors.save(target, Map.of("w", Tensor.ones(2)), Map.of("version", "parent"));
      assertEquals(live, temporaries());
      assertEquals("parent", Safetensors.load(target).metadata().get("version"));
    } finally {
      kill(child);
    }
    Safetensors.save(target, Map.of("w", Tensor.ones(2)), Map.of("version", "after"));
    assertEquals(List.of(), temporaries());
  }
}
