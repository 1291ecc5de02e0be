package dev.tapegrad.examples;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The built-in training text of {@code char-rnn}: English-like prose generated from a small grammar
 * with a real vocabulary, written for this project (no third-party text, no download).
 *
 * <p>The grammar has agreement between subject and verb, adjectives before nouns, prepositional
 * phrases, relative clauses and a few sentence shapes, so a character model has structure to learn
 * at three levels: spelling words, putting them in a plausible order, and punctuating. Generation
 * is deterministic for a seed.
 */
public final class BuiltInCorpus {
  private static final String[] SINGULAR_NOUNS = {
    "fisherman", "baker", "teacher", "child", "river", "garden", "village", "lantern", "sailor",
    "farmer", "merchant", "window", "mountain", "harbour", "letter", "bridge", "market",
        "traveller",
    "painter", "kitchen", "forest", "orchard", "shepherd", "storm", "candle", "library", "doctor",
    "carpenter", "musician", "island"
  };
  private static final String[] PLURAL_NOUNS = {
    "fishermen", "bakers", "teachers", "children", "rivers", "gardens", "villages", "lanterns",
    "sailors", "farmers", "merchants", "windows", "mountains", "harbours", "letters", "bridges",
    "markets", "travellers", "painters", "kitchens", "forests", "orchards", "shepherds", "storms",
    "candles", "libraries", "doctors", "carpenters", "musicians", "islands"
  };
  private static final String[] OBJECTS = {
    "a basket of apples", "the old map", "a warm loaf", "the silver key", "a long rope",
    "the wooden boat", "a small lamp", "the heavy door", "a bright scarf", "the green bottle",
    "a quiet song", "the broken wheel", "a bundle of letters", "the first snow", "a cup of tea",
    "the evening bread", "a sack of flour", "the narrow path", "a folded note", "the morning tide"
  };
  private static final String[] ADJECTIVES = {
    "old",
    "young",
    "quiet",
    "tired",
    "clever",
    "gentle",
    "patient",
    "curious",
    "careful",
    "busy",
    "cheerful",
    "lonely",
    "proud",
    "honest",
    "restless",
    "kind"
  };
  private static final String[] VERBS_SINGULAR = {
    "carries",
    "finds",
    "mends",
    "paints",
    "watches",
    "follows",
    "remembers",
    "opens",
    "sells",
    "builds",
    "keeps",
    "brings",
    "leaves",
    "reads",
    "cleans",
    "gathers"
  };
  private static final String[] VERBS_PLURAL = {
    "carry",
    "find",
    "mend",
    "paint",
    "watch",
    "follow",
    "remember",
    "open",
    "sell",
    "build",
    "keep",
    "bring",
    "leave",
    "read",
    "clean",
    "gather"
  };
  private static final String[] INTRANSITIVE_SINGULAR = {
    "sleeps", "waits", "sings", "walks", "rests", "listens", "laughs", "works", "wanders", "returns"
  };
  private static final String[] INTRANSITIVE_PLURAL = {
    "sleep", "wait", "sing", "walk", "rest", "listen", "laugh", "work", "wander", "return"
  };
  private static final String[] PLACES = {
    "near the river",
    "under the bridge",
    "in the market",
    "behind the kitchen",
    "across the field",
    "beside the harbour",
    "on the hill",
    "at the edge of the forest",
    "by the window",
    "inside the library",
    "along the shore",
    "in the orchard"
  };
  private static final String[] TIMES = {
    "every morning",
    "at dawn",
    "before the rain",
    "after supper",
    "in the winter",
    "all day",
    "at night",
    "on market day",
    "when the bells ring",
    "before the storm"
  };
  private static final String[] ADVERBS = {
    "slowly", "quietly", "carefully", "happily", "often", "always", "gladly", "patiently"
  };
  private static final String[] CONNECTIVES = {"and", "but", "while", "because", "so"};

  private final Random random;

  private BuiltInCorpus(long seed) {
    this.random = new Random(seed);
  }

  /**
   * Generates at least {@code minChars} characters of text, deterministically from {@code seed}.
   */
  public static String generate(long seed, int minChars) {
    BuiltInCorpus g = new BuiltInCorpus(seed);
    StringBuilder sb = new StringBuilder(minChars + 512);
    while (sb.length() < minChars) {
      int sentences = 3 + g.random.nextInt(4);
      for (int s = 0; s < sentences; s++) {
        if (s > 0) {
          sb.append(' ');
        }
        sb.append(g.sentence());
      }
      sb.append("\n\n");
    }
    return sb.toString();
  }

  /** The default corpus of {@code char-rnn}: about 200 KB. */
  public static String standard() {
    return generate(2026, 200_000);
  }

  /** Every word the grammar can produce, lower case. */
  public static Set<String> vocabulary() {
    TreeSet<String> words = new TreeSet<>();
    String[][] lists = {
      SINGULAR_NOUNS, PLURAL_NOUNS, OBJECTS, ADJECTIVES, VERBS_SINGULAR, VERBS_PLURAL,
      INTRANSITIVE_SINGULAR, INTRANSITIVE_PLURAL, PLACES, TIMES, ADVERBS, CONNECTIVES
    };
    for (String[] list : lists) {
      for (String phrase : list) {
        for (String w : phrase.split(" ")) {
          words.add(w);
        }
      }
    }
    words.addAll(List.of("the", "a", "who", "that", "then", "there"));
    return words;
  }

  private String pick(String[] options) {
    return options[random.nextInt(options.length)];
  }

  private String sentence() {
    boolean plural = random.nextBoolean();
    String clause = clause(plural);
    double shape = random.nextDouble();
    String text;
    if (shape < 0.35) {
      text = clause + " " + pick(CONNECTIVES) + " " + clause(random.nextBoolean());
    } else if (shape < 0.5) {
      text = capitalise(pick(TIMES)) + ", " + lowerFirst(clause);
    } else if (shape < 0.6) {
      text = "Then " + lowerFirst(clause);
    } else {
      text = clause;
    }
    return capitalise(text) + (random.nextInt(8) == 0 ? "!" : ".");
  }

  private String clause(boolean plural) {
    StringBuilder sb = new StringBuilder();
    sb.append(subject(plural));
    if (random.nextInt(4) == 0) {
      sb.append(" who ")
          .append(pick(plural ? INTRANSITIVE_PLURAL : INTRANSITIVE_SINGULAR))
          .append(' ')
          .append(pick(PLACES));
    }
    if (random.nextInt(5) == 0) {
      sb.append(' ').append(pick(ADVERBS));
    }
    if (random.nextBoolean()) {
      sb.append(' ')
          .append(pick(plural ? VERBS_PLURAL : VERBS_SINGULAR))
          .append(' ')
          .append(pick(OBJECTS));
    } else {
      sb.append(' ').append(pick(plural ? INTRANSITIVE_PLURAL : INTRANSITIVE_SINGULAR));
    }
    if (random.nextInt(3) != 0) {
      sb.append(' ').append(random.nextBoolean() ? pick(PLACES) : pick(TIMES));
    }
    return sb.toString();
  }

  private String subject(boolean plural) {
    String noun = pick(plural ? PLURAL_NOUNS : SINGULAR_NOUNS);
    String adjective = random.nextInt(3) == 0 ? "" : pick(ADJECTIVES) + " ";
    if (plural) {
      return (random.nextBoolean() ? "the " : "") + adjective + noun;
    }
    String article =
        random.nextBoolean() ? "the " : (startsWithVowel(adjective + noun) ? "an " : "a ");
    return article + adjective + noun;
  }

  private static boolean startsWithVowel(String s) {
    return "aeiou".indexOf(s.charAt(0)) >= 0;
  }

  private static String capitalise(String s) {
    return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
  }

  private static String lowerFirst(String s) {
    return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
  }
}
