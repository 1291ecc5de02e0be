package dev.tapegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.List;
import org.junit.jupiter.api.Test;

class VocabularyTest {
  @Test
  void charactersRoundTripThroughIdsAndTheSavedForm() {
    qt().withExamples(200)
        .forAll(strings().basicMultilingualPlaneAlphabet().ofLengthBetween(0, 40))
        .checkAssert(
            text -> {
              CharVocabulary vocab = CharVocabulary.of(text);
              assertEquals(text, vocab.decode(vocab.encode(text)));
              assertEquals(text.chars().distinct().count(), vocab.size());
              assertEquals(vocab, CharVocabulary.fromChars(vocab.chars()));
            });
  }

  @Test
  void characterIdsFollowCharOrderAndUnknownCharactersAreErrors() {
    CharVocabulary vocab = CharVocabulary.of("banana!");
    assertEquals("!abn", vocab.chars());
    assertArrayEquals(new int[] {2, 1, 3}, vocab.encode("ban"));
    assertTrue(vocab.contains('n'));
    assertFalse(vocab.contains('z'));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> vocab.encode("bat"));
    assertTrue(e.getMessage().contains("'t' (U+0074) at position 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CharVocabulary.fromChars("abca"));
  }

  @Test
  void wordsAreNumberedByFrequencyAfterTheSpecialTokens() {
    List<String> tokens = WordVocabulary.tokenize("The cat sat. The dog didn't sit; the cat did!");
    assertEquals(
        List.of(
            "the", "cat", "sat", ".", "the", "dog", "didn't", "sit", ";", "the", "cat", "did", "!"),
        tokens);
    WordVocabulary vocab = WordVocabulary.of(tokens, 1, 100);
    assertEquals(List.of("<pad>", "<unk>", "the", "cat"), vocab.words().subList(0, 4));
    assertEquals("!", vocab.word(4)); // ties alphabetically
    assertArrayEquals(
        new int[] {2, 3, WordVocabulary.UNKNOWN}, vocab.encode(List.of("the", "cat", "zebra")));
    assertEquals(List.of("the", "cat"), vocab.decode(2, 3));
    WordVocabulary frequent = WordVocabulary.of(tokens, 2, 100);
    assertEquals(List.of("<pad>", "<unk>", "the", "cat"), frequent.words());
    assertEquals(3, WordVocabulary.of(tokens, 1, 3).size());
    assertEquals(vocab.words(), WordVocabulary.fromWords(vocab.words()).words());
    assertThrows(IllegalArgumentException.class, () -> WordVocabulary.fromWords(List.of("a", "b")));
    assertThrows(IllegalArgumentException.class, () -> WordVocabulary.of(tokens, 0, 10));
  }
}
