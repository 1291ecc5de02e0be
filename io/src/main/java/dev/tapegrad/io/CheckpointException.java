package dev.tapegrad.io;

import java.io.IOException;

/**
 * Thrown when a checkpoint's content is malformed: a truncated or corrupt safetensors file, a
 * header that breaks the format's rules, or an unsupported data type; also when the path to load is
 * a directory or another non-regular file.
 *
 * <p>It is an {@link IOException}, so code that handles I/O failures handles it too; failures of
 * the file system itself (a missing file, a permission error) keep their own {@code IOException}
 * types. The message names the file, where there is one, and the tensor or header position at
 * fault.
 *
 * <p>Messages are capped at {@link #MAX_MESSAGE_CHARS} characters: a hostile file can hold names
 * and values of many megabytes, and a message that quotes them must not flood a log.
 */
public class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The longest message kept; a longer one is cut, with a note of how much was cut. */
  public static final int MAX_MESSAGE_CHARS = 1_000;

  /** An exception with the given message, capped at {@link #MAX_MESSAGE_CHARS}. */
  public CheckpointException(String message) {
    super(cap(message));
  }

  /** An exception with the given message, capped at {@link #MAX_MESSAGE_CHARS}, and cause. */
  public CheckpointException(String message, Throwable cause) {
    super(cap(message), cause);
  }

  /**
   * {@code message} cut to at most {@link #MAX_MESSAGE_CHARS} characters, never inside a pair, with
   * a note of how much was cut. For other errors that quote file content, such as a state dict's
   * keys.
   */
  public static String cap(String message) {
    if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
      return message;
    }
    int keep = MAX_MESSAGE_CHARS - 40; // room for the note
    if (Character.isHighSurrogate(message.charAt(keep - 1))) {
      keep--;
    }
    return message.substring(0, keep) + "... (" + (message.length() - keep) + " more characters)";
  }
}
