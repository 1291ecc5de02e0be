package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.CheckpointException;
import dev.tapegrad.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;

  private static Sequential model(long seed) {
    Random random = new Random(seed);
    return new Sequential(
        new Embedding(6, 4, random),
        new LayerNorm(4),
        new TimeDelay(4, 3, 2, random),
        new Tanh(),
        new Linear(3, 2, random));
  }

  private static void assertSameValues(Block expected, Block actual) {
    expected
        .namedParameters()
        .forEach(
            (k, v) ->
                assertArrayEquals(
                    v.toFloatArray(), actual.namedParameters().get(k).toFloatArray(), k));
  }

  @Test
  void saveAndLoadRoundTripWithMetadata() throws IOException {
    Sequential source = model(1);
    Init.normal(((LayerNorm) source.get(1)).weight(), 1, 0.1, new Random(3));
    Path file = dir.resolve("model.safetensors");
    Checkpoint.save(source, file, Map.of("epoch", "12", "note", "ünïcode"));
    Sequential target = model(2);
    List<Tensor> before = target.parameters();
    Map<String, String> metadata = Checkpoint.load(target, file);
    assertEquals(Map.of("epoch", "12", "note", "ünïcode"), metadata);
    assertSameValues(source, target);
    for (int i = 0; i < before.size(); i++) {
      assertSame(before.get(i), target.parameters().get(i));
    }
    Tensor x = Tensor.of(new float[] {0, 5, 2, 3, 1, 4}, 2, 3);
    assertArrayEquals(source.forward(x).toFloatArray(), target.forward(x).toFloatArray());
  }

  @Test
  void theFileHoldsEveryParameterByItsDottedName() throws IOException {
    Sequential source = model(1);
    Path file = dir.resolve("model.safetensors");
    Checkpoint.save(source, file);
    Safetensors raw = Safetensors.load(file);
    assertEquals(source.namedParameters().keySet(), raw.tensors().keySet());
    assertTrue(raw.metadata().isEmpty());
    assertArrayEquals(new int[] {3, 8}, raw.tensors().get("2.weight").shape());
  }

  @Test
  void aMismatchedFileListsEveryProblemAndChangesNothing() throws IOException {
    Map<String, Tensor> state = new LinkedHashMap<>(model(1).stateDict());
    state.remove("4.bias");
    state.put("2.weight", Tensor.zeros(3, 4));
    state.put("5.weight", Tensor.zeros(1));
    Path file = dir.resolve("other.safetensors");
    Safetensors.save(file, state);
    Sequential target = model(2);
    Map<String, Tensor> original = target.stateDict();
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> Checkpoint.load(target, file));
    String msg = e.getMessage();
    assertTrue(msg.contains("other.safetensors"), msg);
    assertTrue(msg.contains("missing keys [4.bias]"), msg);
    assertTrue(msg.contains("unexpected keys [5.weight]"), msg);
    assertTrue(msg.contains("2.weight: checkpoint [3, 4] vs model [3, 8]"), msg);
    original.forEach(
        (k, v) ->
            assertArrayEquals(v.toFloatArray(), target.namedParameters().get(k).toFloatArray(), k));
  }

  @Test
  void nonStrictLoadsWhatMatches() throws IOException {
    Sequential source = model(1);
    Map<String, Tensor> state = new LinkedHashMap<>(source.stateDict());
    state.remove("4.bias");
    state.put("extra", Tensor.zeros(2));
    Path file = dir.resolve("partial.safetensors");
    Safetensors.save(file, state, Map.of("k", "v"));
    Sequential target = model(2);
    float[] biasBefore = ((Linear) target.get(4)).bias().toFloatArray();
    assertEquals(Map.of("k", "v"), Checkpoint.load(target, file, false));
    assertArrayEquals(biasBefore, ((Linear) target.get(4)).bias().toFloatArray());
    assertArrayEquals(
        ((Linear) source.get(4)).weight().toFloatArray(),
        ((Linear) target.get(4)).weight().toFloatArray());
    assertThrows(CheckpointException.class, () -> Checkpoint.load(target, file, true));
  }

  @Test
  void truncatedOrCorruptFilesNeverHalfLoad() throws IOException {
    Path good = dir.resolve("good.safetensors");
    Checkpoint.save(model(1), good, Map.of("epoch", "1"));
    byte[] bytes = Files.readAllBytes(good);
    long headerLength = bytes[0] & 0xff | (bytes[1] & 0xff) << 8;
    int dataStart = 8 + (int) headerLength;
    Sequential target = model(2);
    Map<String, Tensor> original = target.stateDict();
    int[] cuts = {
      0,
      3,
      8,
      20,
      dataStart - 1,
      dataStart,
      dataStart + 5,
      (dataStart + bytes.length) / 2,
      bytes.length - 1
    };
    for (int cut : cuts) {
      Path file = dir.resolve("cut" + cut + ".safetensors");
      Files.write(file, Arrays.copyOf(bytes, cut));
      assertThrows(CheckpointException.class, () -> Checkpoint.load(target, file), "cut at " + cut);
    }
    // a corrupt header: a brace replaced, and a length pointing past the end
    byte[] corrupt = bytes.clone();
    corrupt[8] = 'x';
    Files.write(dir.resolve("corrupt.safetensors"), corrupt);
    assertThrows(
        CheckpointException.class,
        () -> Checkpoint.load(target, dir.resolve("corrupt.safetensors")));
    byte[] longHeader = bytes.clone();
    longHeader[0] = (byte) 0xff;
    longHeader[1] = (byte) 0xff;
    Files.write(dir.resolve("long.safetensors"), longHeader);
    assertThrows(
        CheckpointException.class, () -> Checkpoint.load(target, dir.resolve("long.safetensors")));
    // trailing garbage
    Files.write(dir.resolve("trailing.safetensors"), Arrays.copyOf(bytes, bytes.length + 4));
    assertThrows(
        CheckpointException.class,
        () -> Checkpoint.load(target, dir.resolve("trailing.safetensors")));
    original.forEach(
        (k, v) ->
            assertArrayEquals(v.toFloatArray(), target.namedParameters().get(k).toFloatArray(), k));
    assertThrows(
        NoSuchFileException.class,
        () -> Checkpoint.load(target, dir.resolve("absent.safetensors")));
  }
}
