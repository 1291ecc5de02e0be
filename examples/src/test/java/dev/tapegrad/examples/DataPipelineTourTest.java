package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.*;
import dev.tapegrad.nn.*;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.CosineAnnealingLr;
import dev.tapegrad.optim.TrainingState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of docs/data.md, so that it keeps compiling and doing what it says. */
class DataPipelineTourTest {
  @TempDir Path dir;

  @Test
  void trainWithSplitsLoaderAndEarlyStopping() {
    Random random = new Random(42);
    Tensor points = Tensor.uniform(random, -1, 1, 400, 2);
    int[] labels = new int[400];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = points.get(i, 0) * points.get(i, 1) > 0 ? 1 : 0;
    }
    Sequential model =
        new Sequential(new Linear(2, 32, random), new Tanh(), new Linear(32, 2, random));
    Adam adam = new Adam(model.parameters(), Adam.options().lr(0.02));

    Dataset<Example> all = Dataset.ofRows(points, labels);
    Split<Example> split = Split.byFractions(all, 0.7, 0.15, 0.15, 42);
    DataLoader<Example, Batch> train =
        DataLoader.builder(split.train()).batchSize(32).shuffle(42).build();
    Batch validation =
        DataLoader.builder(split.validation())
            .batchSize(split.validation().size())
            .build()
            .batch(0, 0);

    EarlyStopping stopper =
        EarlyStopping.minimize().patience(10).keepBest(model::stateDict).build();
    int epochs = 0;
    for (int epoch = 0; epoch < 200; epoch++) {
      for (Batch b : train.epoch(epoch)) {
        Tensor loss = Functional.crossEntropy(model.forward(b.inputs()), b.labels());
        adam.zeroGrad();
        loss.backward();
        adam.step();
      }
      double validationLoss;
      try (var scope = Autograd.noGrad()) {
        validationLoss =
            Functional.crossEntropy(model.forward(validation.inputs()), validation.labels()).item();
      }
      epochs++;
      if (stopper.update(validationLoss)) {
        break;
      }
    }
    model.loadStateDict(stopper.bestState());
    double accuracy = Metrics.accuracy(model.forward(validation.inputs()), validation.labels());
    assertTrue(accuracy > 0.9, "accuracy " + accuracy + " after " + epochs + " epochs");
    try (var scope = Autograd.noGrad()) {
      double best =
          Functional.crossEntropy(model.forward(validation.inputs()), validation.labels()).item();
      assertEquals(stopper.best(), best, 1e-6, "the restored weights are the best epoch's");
    }
  }

  @Test
  void paddedSequencesGoToAGruWithTheirLengths() {
    Random random = new Random(7);
    Gru gru = Gru.builder(3, 5).build(random);
    List<Tensor> sequences =
        List.of(Tensor.randn(random, 4, 3), Tensor.randn(random, 2, 3), Tensor.randn(random, 6, 3));
    Padding.Padded batch = Padding.pad(sequences, false, 0f);
    RnnOutput out = gru.forward(batch.values(), batch.lengths());
    assertArrayEquals(new int[] {6, 3, 5}, out.output().shape());
    // each sequence's final state is what the GRU gives for that sequence alone
    for (int b = 0; b < sequences.size(); b++) {
      Tensor alone = gru.forward(sequences.get(b).unsqueeze(1)).hN();
      assertArrayEquals(
          alone.reshape(-1).toFloatArray(),
          out.hN().narrow(1, b, 1).reshape(-1).toFloatArray(),
          1e-5f);
    }
  }

  /** A sentence as word ids, labelled 1 when it contains "who". */
  record Sentence(int[] ids, int label) {}

  /** Padded word ids, their lengths and labels. */
  record Sentences(Padding.PaddedTokens tokens, int[] labels) {}

  @Test
  void aWordLevelGruOnBucketedPaddedSentences() {
    List<List<String>> sentences = new ArrayList<>();
    for (String s : BuiltInCorpus.generate(5, 40_000).split("(?<=[.!])\\s+")) {
      List<String> words = WordVocabulary.tokenize(s);
      if (!words.isEmpty()) {
        sentences.add(words);
      }
    }
    WordVocabulary vocab =
        WordVocabulary.of(sentences.stream().flatMap(List::stream).toList(), 1, 10_000);
    Dataset<Sentence> all =
        Dataset.of(sentences).map(w -> new Sentence(vocab.encode(w), w.contains("who") ? 1 : 0));
    Split<Sentence> split = Split.byFractions(all.cache(), 0.8, 0, 0.2, 1);
    DataLoader<Sentence, Sentences> loader =
        DataLoader.builder(split.train(), DataPipelineTourTest::collate)
            .batchSize(32)
            .shuffle(1)
            .dropLast(true)
            .bucketBy(s -> s.ids().length, 8)
            .build();

    Random random = new Random(2);
    Embedding embedding = new Embedding(vocab.size(), 16, WordVocabulary.PAD, random);
    Gru gru = Gru.builder(16, 32).build(random);
    Linear head = new Linear(32, 2, random);
    List<Tensor> parameters = new ArrayList<>(embedding.parameters());
    parameters.addAll(gru.parameters());
    parameters.addAll(head.parameters());
    Adam adam = new Adam(parameters, Adam.options().lr(0.02));
    Function<Sentences, Tensor> logits =
        b -> {
          Padding.PaddedTokens t = b.tokens();
          Tensor x = embedding.forward(t.ids()).reshape(t.steps(), t.batch(), -1); // time-major
          return head.forward(gru.forward(x, t.lengths()).hN().squeeze(0)); // last real step
        };
    for (int epoch = 0; epoch < 12; epoch++) {
      for (Sentences b : loader.epoch(epoch)) {
        Tensor loss = Functional.crossEntropy(logits.apply(b), b.labels());
        adam.zeroGrad();
        loss.backward();
        adam.step();
      }
    }
    Sentences test = collate(split.test().asList());
    try (var scope = Autograd.noGrad()) {
      double accuracy = Metrics.accuracy(logits.apply(test), test.labels());
      double share = Arrays.stream(test.labels()).average().orElseThrow();
      assertTrue(
          accuracy > 0.95 && accuracy > Math.max(share, 1 - share) + 0.1,
          "accuracy " + accuracy + ", share of 1s " + share);
    }
  }

  static Sentences collate(List<Sentence> batch) {
    List<int[]> ids = new ArrayList<>();
    int[] labels = new int[batch.size()];
    for (int i = 0; i < labels.length; i++) {
      ids.add(batch.get(i).ids());
      labels[i] = batch.get(i).label();
    }
    return new Sentences(Padding.padTokens(ids, false, WordVocabulary.PAD), labels);
  }

  @Test
  void aWholeRunIsSavedAndResumedInOneCallEach() throws Exception {
    Random random = new Random(3);
    Linear model = new Linear(4, 2, random);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(0.1));
    CosineAnnealingLr schedule = new CosineAnnealingLr(adam, 10);
    TrainingState state =
        TrainingState.of(model::stateDict, model::loadStateDict)
            .optimizer(adam)
            .schedule(schedule)
            .random("dropout", random);
    List<Float> before = new ArrayList<>();
    for (int step = 0; step < 3; step++) {
      Tensor loss = model.forward(Tensor.randn(random, 8, 4)).square().mean();
      adam.zeroGrad();
      loss.backward();
      adam.step();
      schedule.step();
      before.add(loss.item());
    }
    state.save(dir.resolve("run.safetensors"), 3);

    Random fresh = new Random(99);
    Linear again = new Linear(4, 2, fresh);
    Adam adam2 = new Adam(again.parameters(), Adam.options().lr(0.1));
    CosineAnnealingLr schedule2 = new CosineAnnealingLr(adam2, 10);
    long step =
        TrainingState.of(again::stateDict, again::loadStateDict)
            .optimizer(adam2)
            .schedule(schedule2)
            .random("dropout", fresh)
            .load(dir.resolve("run.safetensors"))
            .step();
    assertEquals(3, step);
    assertEquals(schedule.lastLr(), schedule2.lastLr());
    assertEquals(random.nextGaussian(), fresh.nextGaussian());
    assertArrayEquals(
        model.stateDict().get("weight").toFloatArray(),
        again.stateDict().get("weight").toFloatArray());
  }
}
