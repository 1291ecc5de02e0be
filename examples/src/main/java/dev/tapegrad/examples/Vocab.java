package dev.tapegrad.examples;

import java.util.TreeSet;

/** The characters of a text, numbered in code-point order. */
final class Vocab {
  private final String chars;

  Vocab(String chars) {
    this.chars = chars;
  }

  static Vocab of(String text) {
    TreeSet<Character> set = new TreeSet<>();
    for (int i = 0; i < text.length(); i++) {
      set.add(text.charAt(i));
    }
    StringBuilder sb = new StringBuilder();
    set.forEach(sb::append);
    return new Vocab(sb.toString());
  }

  int size() {
    return chars.length();
  }

  String chars() {
    return chars;
  }

  char charAt(int id) {
    return chars.charAt(id);
  }

  /** The ids of {@code text}'s characters; a character outside the vocabulary is an error. */
  int[] encode(String text) {
    int[] ids = new int[text.length()];
    for (int i = 0; i < ids.length; i++) {
      int id = chars.indexOf(text.charAt(i));
      if (id < 0) {
        throw new IllegalArgumentException("char-rnn: character '" + text.charAt(i) + "' is not in the model's vocabulary");
      }
      ids[i] = id;
    }
    return ids;
  }
}
