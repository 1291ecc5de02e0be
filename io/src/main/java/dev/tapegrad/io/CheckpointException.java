package dev.tapegrad.io;

import java.io.IOException;

/**
 * Thrown when a checkpoint's content is malformed: a truncated or corrupt safetensors file, a
 * header that breaks the format's rules, or an unsupported data type.
 *
 * <p>It is an {@link IOException}, so code that handles I/O failures handles it too; failures of
 * the file system itself (a missing file, a permission error) keep their own {@code IOException}
 * types. The message names the tensor or header position at fault.
 */
public class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An exception with the given message. */
  public CheckpointException(String message) {
    super(message);
  }

  /** An exception with the given message and cause. */
  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
