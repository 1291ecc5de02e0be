package dev.tapegrad.nn;

import dev.tapegrad.io.CheckpointException;
import dev.tapegrad.io.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves and loads a module's parameters as a <a
 * href="https://github.com/huggingface/safetensors">safetensors</a> file, so weights move between
 * tapegrad and PyTorch ({@code safetensors.torch.save_file(model.state_dict(), path)} on the
 * PyTorch side, given the same parameter names).
 *
 * <pre>{@code
 * Checkpoint.save(model, Path.of("model.safetensors"), Map.of("epoch", "12"));
 * Map<String, String> metadata = Checkpoint.load(model, Path.of("model.safetensors"));
 * }</pre>
 *
 * <p>Tensors are stored under their {@link Block#namedParameters()} names as float32, with optional
 * string metadata in the header. Saving replaces the file atomically (see {@link
 * Safetensors#save}).
 *
 * <p>Loading is all or nothing: the whole file is read and validated (header, dtypes, offsets,
 * sizes) and then every name and shape is checked against the module before a single parameter
 * changes. A truncated or corrupt file, and a file that does not match the module, throw a {@link
 * CheckpointException} and leave the module as it was. Parameters are overwritten in place, so an
 * optimizer holding them sees the loaded values. F64, F16 and BF16 tensors are converted to
 * float32. Java serialization is never used.
 */
public final class Checkpoint {
  private Checkpoint() {}

  /** Saves {@code module}'s parameters to {@code file} without metadata. */
  public static void save(Block module, Path file) throws IOException {
    save(module, file, Map.of());
  }

  /**
   * Saves {@code module}'s parameters and {@code metadata} to {@code file}, replacing it
   * atomically.
   *
   * @throws IOException if writing fails; the previous file, if any, is then left unchanged
   */
  public static void save(Block module, Path file, Map<String, String> metadata)
      throws IOException {
    Safetensors.save(file, module.namedParameters(), metadata);
  }

  /** Loads every parameter of {@code module} from {@code file} (strict); returns the metadata. */
  public static Map<String, String> load(Block module, Path file) throws IOException {
    return load(module, file, true);
  }

  /**
   * Loads {@code module}'s parameters from {@code file} and returns the file's metadata.
   *
   * @param strict when true, every parameter must be in the file and every tensor in the file must
   *     be a parameter; when false, parameters missing from the file keep their values and extra
   *     tensors are ignored. Shapes must match either way.
   * @throws CheckpointException if the file is truncated, corrupt or unsupported, or does not match
   *     the module (the message lists every missing, unexpected and mismatched name); the module is
   *     then unchanged
   * @throws IOException if the file cannot be read
   */
  public static Map<String, String> load(Block module, Path file, boolean strict)
      throws IOException {
    Safetensors checkpoint = Safetensors.load(file);
    try {
      module.loadStateDict(checkpoint.tensors(), strict);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file + ": " + e.getMessage(), e);
    }
    return checkpoint.metadata();
  }
}
