package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Words numbered by frequency, with a padding and an unknown token: the vocabulary of a word-level
 * model, as torchtext's {@code build_vocab_from_iterator} with {@code specials=["<pad>", "<unk>"]}.
 *
 * <pre>{@code
 * WordVocabulary vocab = WordVocabulary.of(WordVocabulary.tokenize(text), 2, 10_000);
 * int[] ids = vocab.encode(WordVocabulary.tokenize("the cat sat"));
 * }</pre>
 *
 * <p>Id {@link #PAD} (0) is {@code <pad>}, so padded batches can use 0 ({@code Embedding(...,
 * paddingIdx = 0)}); id {@link #UNKNOWN} (1) is {@code <unk>}, which {@link #encode} gives every
 * word the vocabulary lacks. The other words follow by descending frequency, ties in alphabetical
 * order, so the ids do not depend on the order of the text. {@link #words()} and {@link #fromWords}
 * save and restore it.
 */
public final class WordVocabulary {
  /** The id of the padding token {@code <pad>}. */
  public static final int PAD = 0;

  /** The id of the unknown-word token {@code <unk>}. */
  public static final int UNKNOWN = 1;

  private static final Pattern TOKEN =
      Pattern.compile("[\\p{L}\\p{N}]+(?:'[\\p{L}]+)*|[^\\s\\p{L}\\p{N}]");

  private final List<String> words;
  private final Map<String, Integer> ids;

  private WordVocabulary(List<String> words) {
    this.words = ImmutableList.copyOf(words);
    ids = new HashMap<>();
    for (int i = 0; i < words.size(); i++) {
      Integer previous = ids.put(words.get(i), i);
      checkArgument(
          previous == null,
          "WordVocabulary: word '%s' appears twice (ids %s and %s)",
          words.get(i),
          previous,
          i);
    }
  }

  /**
   * Splits text into lower-case tokens: runs of letters and digits (with inner apostrophes, as in
   * "don't"), and each other non-space character on its own.
   */
  public static List<String> tokenize(String text) {
    checkNotNull(text, "WordVocabulary.tokenize: text is null");
    List<String> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      tokens.add(m.group());
    }
    return tokens;
  }

  /**
   * The vocabulary of {@code tokens}: the two special tokens, then each token seen at least {@code
   * minFrequency} times, most frequent first, at most {@code maxSize} ids in all.
   */
  public static WordVocabulary of(Iterable<String> tokens, int minFrequency, int maxSize) {
    checkNotNull(tokens, "WordVocabulary.of: tokens is null");
    checkArgument(
        minFrequency >= 1, "WordVocabulary.of: minFrequency must be >= 1, got %s", minFrequency);
    checkArgument(
        maxSize >= 2,
        "WordVocabulary.of: maxSize must be >= 2 (the special tokens), got %s",
        maxSize);
    Map<String, Integer> counts = new HashMap<>();
    for (String t : tokens) {
      counts.merge(checkNotNull(t, "WordVocabulary.of: a token is null"), 1, Integer::sum);
    }
    counts.remove("<pad>");
    counts.remove("<unk>");
    List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(
        Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()));
    List<String> words = new ArrayList<>(List.of("<pad>", "<unk>"));
    for (Map.Entry<String, Integer> e : sorted) {
      if (words.size() == maxSize || e.getValue() < minFrequency) {
        break;
      }
      words.add(e.getKey());
    }
    return new WordVocabulary(words);
  }

  /**
   * Restores a vocabulary saved with {@link #words()}.
   *
   * @throws IllegalArgumentException if it does not start with the two special tokens or a word
   *     appears twice
   */
  public static WordVocabulary fromWords(List<String> words) {
    checkNotNull(words, "WordVocabulary.fromWords: words is null");
    checkArgument(
        words.size() >= 2 && words.get(PAD).equals("<pad>") && words.get(UNKNOWN).equals("<unk>"),
        "WordVocabulary.fromWords: the list must start with <pad>, <unk>; got %s",
        words.subList(0, Math.min(2, words.size())));
    return new WordVocabulary(words);
  }

  /** The number of ids, special tokens included. */
  public int size() {
    return words.size();
  }

  /** Every word in id order, starting with {@code <pad>} and {@code <unk>}. */
  public List<String> words() {
    return words;
  }

  /** The word of {@code id}. */
  public String word(int id) {
    checkArgument(
        id >= 0 && id < words.size(), "WordVocabulary: id %s is outside [0, %s)", id, words.size());
    return words.get(id);
  }

  /** The id of {@code word}, or {@link #UNKNOWN}. */
  public int id(String word) {
    return ids.getOrDefault(word, UNKNOWN);
  }

  /** Whether {@code word} has an id of its own. */
  public boolean contains(String word) {
    return ids.containsKey(word);
  }

  /** The ids of {@code tokens}, {@link #UNKNOWN} for a word the vocabulary lacks. */
  public int[] encode(List<String> tokens) {
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = id(tokens.get(i));
    }
    return out;
  }

  /** The words of {@code ids}. */
  public List<String> decode(int... ids) {
    List<String> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(word(id));
    }
    return out;
  }

  @Override
  public String toString() {
    return "WordVocabulary(size=" + size() + ")";
  }
}
