package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;

/**
 * The distinct characters of a text, numbered in {@code char} order: the vocabulary of a
 * character-level language model.
 *
 * <pre>{@code
 * CharVocabulary vocab = CharVocabulary.of(text);
 * int[] ids = vocab.encode(text);
 * String back = vocab.decode(ids);
 * Checkpoint.save(model, file, Map.of("vocab", vocab.chars()));   // and fromChars(...) to load
 * }</pre>
 *
 * <p>Units are Java {@code char}s (UTF-16 code units), so a character outside the Basic
 * Multilingual Plane counts as two; the order is the numeric order of the units, so the same text
 * always gives the same ids. There is no unknown token: encoding a character the vocabulary lacks
 * is an error, since a character model has nothing sensible to map it to.
 */
public final class CharVocabulary {
  private final String chars;
  private final int[] idOf; // indexed by char, -1 when absent

  private CharVocabulary(String chars) {
    this.chars = chars;
    idOf = new int[Character.MAX_VALUE + 1];
    Arrays.fill(idOf, -1);
    for (int i = 0; i < chars.length(); i++) {
      checkArgument(
          idOf[chars.charAt(i)] < 0,
          "CharVocabulary: character %s appears twice in %s",
          describe(chars.charAt(i)),
          chars.length() > 80 ? chars.substring(0, 80) + "..." : chars);
      idOf[chars.charAt(i)] = i;
    }
  }

  /** The vocabulary of the distinct characters of {@code text}, in {@code char} order. */
  public static CharVocabulary of(CharSequence text) {
    checkNotNull(text, "CharVocabulary.of: text is null");
    boolean[] seen = new boolean[Character.MAX_VALUE + 1];
    for (int i = 0; i < text.length(); i++) {
      seen[text.charAt(i)] = true;
    }
    StringBuilder sb = new StringBuilder();
    for (int c = 0; c < seen.length; c++) {
      if (seen[c]) {
        sb.append((char) c);
      }
    }
    return new CharVocabulary(sb.toString());
  }

  /**
   * The vocabulary whose id {@code i} is {@code chars.charAt(i)}: restores one saved with {@link
   * #chars()}.
   *
   * @throws IllegalArgumentException if a character appears twice
   */
  public static CharVocabulary fromChars(String chars) {
    checkNotNull(chars, "CharVocabulary.fromChars: chars is null");
    return new CharVocabulary(chars);
  }

  /** The number of characters. */
  public int size() {
    return chars.length();
  }

  /** Every character, in id order: what to save to restore this vocabulary. */
  public String chars() {
    return chars;
  }

  /** The character of {@code id}. */
  public char charAt(int id) {
    checkArgument(
        id >= 0 && id < chars.length(),
        "CharVocabulary: id %s is outside [0, %s)",
        id,
        chars.length());
    return chars.charAt(id);
  }

  /** Whether {@code c} has an id. */
  public boolean contains(char c) {
    return idOf[c] >= 0;
  }

  /** The id of {@code c}. */
  public int id(char c) {
    int id = idOf[c];
    checkArgument(id >= 0, "CharVocabulary: character %s is not in the vocabulary", describe(c));
    return id;
  }

  /**
   * The ids of {@code text}'s characters.
   *
   * @throws IllegalArgumentException naming the first character the vocabulary lacks and where it
   *     is
   */
  public int[] encode(CharSequence text) {
    int[] ids = new int[text.length()];
    for (int i = 0; i < ids.length; i++) {
      char c = text.charAt(i);
      int id = idOf[c];
      if (id < 0) {
        throw new IllegalArgumentException(
            "CharVocabulary.encode: character "
                + describe(c)
                + " at position "
                + i
                + " is not in the vocabulary");
      }
      ids[i] = id;
    }
    return ids;
  }

  /** The text of {@code ids}. */
  public String decode(int... ids) {
    StringBuilder sb = new StringBuilder(ids.length);
    for (int id : ids) {
      sb.append(charAt(id));
    }
    return sb.toString();
  }

  private static String describe(char c) {
    return Character.isISOControl(c) || Character.isWhitespace(c)
        ? String.format("U+%04X", (int) c)
        : "'" + c + "' (U+" + String.format("%04X", (int) c) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharVocabulary other && other.chars.equals(chars);
  }

  @Override
  public int hashCode() {
    return chars.hashCode();
  }

  @Override
  public String toString() {
    return "CharVocabulary(size=" + size() + ")";
  }
}
