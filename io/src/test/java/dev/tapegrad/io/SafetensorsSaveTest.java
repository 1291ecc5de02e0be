package dev.tapegrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Safetensors#save} replaces the target atomically and cleans up after a failure. */
class SafetensorsSaveTest {
  @TempDir Path dir;

  private List<String> directoryListing() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Path savePrevious() throws IOException {
    Path file = dir.resolve("model.safetensors");
    Safetensors.save(file, Map.of("w", Tensor.arange(10)), Map.of("version", "1"));
    return file;
  }

  /** A channel that lets {@code limit} bytes through, then fails like a full disk. */
  private static WritableByteChannel failingAfter(
      WritableByteChannel channel, long limit, RuntimeException runtime) {
    return new WritableByteChannel() {
      long written;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (written + src.remaining() > limit) {
          if (runtime != null) {
            throw runtime;
          }
          throw new IOException("No space left on device (simulated)");
        }
        int n = channel.write(src);
        written += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return channel.isOpen();
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  @Test
  void saveReplacesTheTargetAndLeavesNoTemporaryFile() throws Exception {
    Path file = savePrevious();
    Safetensors.save(file, Map.of("w", Tensor.ones(3)), Map.of("version", "2"));
    assertEquals("2", Safetensors.load(file).metadata().get("version"));
    assertEquals(List.of("model.safetensors"), directoryListing());
  }

  @Test
  void failedWriteMidwayKeepsThePreviousFile() throws Exception {
    Path file = savePrevious();
    byte[] before = Files.readAllBytes(file);
    Map<String, Tensor> big = Map.of("w", Tensor.randn(1, 100, 1000));
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                Safetensors.save(
                    file, big, Map.of("version", "2"), c -> failingAfter(c, 200_000, null)));
    assertTrue(e.getMessage().contains("simulated"), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of("model.safetensors"), directoryListing());
  }

  @Test
  void unexpectedExceptionMidwayKeepsThePreviousFile() throws Exception {
    Path file = savePrevious();
    byte[] before = Files.readAllBytes(file);
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                Safetensors.save(
                    file,
                    Map.of("w", Tensor.randn(2, 50_000)),
                    Map.of(),
                    c -> failingAfter(c, 100, boom)));
    assertSame(boom, thrown);
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of("model.safetensors"), directoryListing());
  }

  @Test
  void mapThatFailsWhileIteratedKeepsThePreviousFile() throws Exception {
    Path file = savePrevious();
    byte[] before = Files.readAllBytes(file);
    Map<String, Tensor> failing =
        new AbstractMap<>() {
          @Override
          public Set<Entry<String, Tensor>> entrySet() {
            return new AbstractSet<>() {
              @Override
              public Iterator<Entry<String, Tensor>> iterator() {
                Iterator<Entry<String, Tensor>> good =
                    Map.of("a", Tensor.ones(2), "b", Tensor.ones(3)).entrySet().iterator();
                return new Iterator<>() {
                  int served;

                  @Override
                  public boolean hasNext() {
                    return true;
                  }

                  @Override
                  public Entry<String, Tensor> next() {
                    if (served++ == 2) {
                      throw new ConcurrentModificationException("changed while saving");
                    }
                    return good.next();
                  }
                };
              }

              @Override
              public int size() {
                return 3;
              }
            };
          }
        };
    assertThrows(ConcurrentModificationException.class, () -> Safetensors.save(file, failing));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of("model.safetensors"), directoryListing());
  }

  @Test
  void badArgumentsNeverTouchTheDisk() throws Exception {
    Path file = savePrevious();
    byte[] before = Files.readAllBytes(file);
    Map<String, Tensor> reserved = new LinkedHashMap<>();
    reserved.put("w", Tensor.ones(1));
    reserved.put("__metadata__", Tensor.ones(1));
    assertThrows(IllegalArgumentException.class, () -> Safetensors.save(file, reserved));
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of("model.safetensors"), directoryListing());
  }

  @Test
  void targetThatCannotBeReplacedIsLeftAlone() throws Exception {
    Path occupied = Files.createDirectory(dir.resolve("occupied"));
    Files.writeString(occupied.resolve("keep.txt"), "keep");
    assertThrows(IOException.class, () -> Safetensors.save(occupied, Map.of("w", Tensor.ones(1))));
    assertEquals("keep", Files.readString(occupied.resolve("keep.txt")));
    assertEquals(List.of("occupied"), directoryListing());

    assertThrows(
        NoSuchFileException.class,
        () ->
            Safetensors.save(
                dir.resolve("missing/model.safetensors"), Map.of("w", Tensor.ones(1))));
  }

  @Test
  void staleTemporariesOfTheTargetAreRemovedAndNothingElse() throws Exception {
    Path file = savePrevious();
    // What a killed save leaves: a temporary nobody holds a lock on.
    Path stale =
        Files.write(dir.resolve(".model.safetensors.00ff00ff00ff00ff.tmp"), new byte[1000]);
    Path staleToo =
        Files.write(dir.resolve(".model.safetensors.0123456789abcdef.tmp"), new byte[0]);
    // Names that only look alike: another target's temporary, wrong length, not hex, a user's file.
    List<String> others =
        List.of(
            ".other.safetensors.00ff00ff00ff00ff.tmp",
            ".model.safetensors.00ff.tmp",
            ".model.safetensors.00ff00ff00ff00fg.tmp",
            ".model.safetensors.00FF00FF00FF00FF.tmp",
            "model.safetensors.00ff00ff00ff00ff.tmp",
            ".model.safetensors.notes.tmp");
    for (String name : others) {
      Files.writeString(dir.resolve(name), "keep");
    }
    Safetensors.save(file, Map.of("w", Tensor.ones(3)), Map.of("version", "2"));
    assertFalse(Files.exists(stale));
    assertFalse(Files.exists(staleToo));
    for (String name : others) {
      assertEquals("keep", Files.readString(dir.resolve(name)), name);
    }
    assertEquals("2", Safetensors.load(file).metadata().get("version"));
  }

  @Test
  void longNamesKeepTheirTemporariesWithinFileNameLimits() throws Exception {
    Path file = dir.resolve("n".repeat(200) + ".safetensors");
    String prefix = "." + "n".repeat(100) + ".";
    Path stale = Files.write(dir.resolve(prefix + "1111222233334444.tmp"), new byte[8]);
    Safetensors.save(file, Map.of("w", Tensor.ones(1)));
    assertFalse(Files.exists(stale));
    assertEquals(List.of(file.getFileName().toString()), directoryListing());
  }

  @Test
  void badTargetsAreNamedInTheMessage() throws Exception {
    Path occupied = Files.createDirectory(dir.resolve("occupied"));
    FileSystemException directory =
        assertThrows(
            FileSystemException.class,
            () -> Safetensors.save(occupied, Map.of("w", Tensor.ones(1))));
    assertEquals(
        occupied + ": Safetensors.save: is a directory; give the path of a file",
        directory.getMessage());

    Path missing = dir.resolve("missing");
    NoSuchFileException noDirectory =
        assertThrows(
            NoSuchFileException.class,
            () ->
                Safetensors.save(
                    missing.resolve("model.safetensors"), Map.of("w", Tensor.ones(1))));
    assertEquals(
        missing + ": Safetensors.save: no such directory to save model.safetensors in",
        noDirectory.getMessage());
    assertEquals(List.of("occupied"), directoryListing());
  }

  @Test
  void savedFileGetsOrdinaryPermissions() throws Exception {
    Path file = savePrevious();
    Path plain = Files.createFile(dir.resolve("plain"));
    PosixFileAttributeView saved = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (saved != null) { // a temporary file would be owner-only; the checkpoint must not be
      assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
    }
    assertTrue(Files.isReadable(file) && Files.isRegularFile(file));
  }

  @Test
  void relativePathsWork() throws Exception {
    Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("relative.safetensors"));
    Safetensors.save(relative, Map.of("w", Tensor.ones(2)));
    assertArrayEquals(
        new float[] {1f, 1f}, Safetensors.load(relative).tensors().get("w").toFloatArray());
  }
}
