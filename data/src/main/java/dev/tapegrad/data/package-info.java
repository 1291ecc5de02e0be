/**
 * Data for training: datasets, seeded batch loaders, sequence padding and bucketing, splits,
 * character and word vocabularies, metrics and early stopping.
 *
 * <p>The pieces map to what PyTorch users know: {@link dev.tapegrad.data.Dataset} is a map-style
 * {@code Dataset}, {@link dev.tapegrad.data.DataLoader} a {@code DataLoader} (batch size, shuffle,
 * drop-last, collate; the shuffle is a pure function of seed and epoch), {@link
 * dev.tapegrad.data.Padding} is {@code pad_sequence} returning the lengths the recurrent layers
 * take, {@link dev.tapegrad.data.Split} is {@code random_split}, {@link dev.tapegrad.data.Metrics}
 * and {@link dev.tapegrad.data.ConfusionMatrix} are torchmetrics' functions, and {@link
 * dev.tapegrad.data.EarlyStopping} is Keras' and Lightning's callback.
 *
 * <p>The module depends on {@code autograd} only (and guava), not on {@code nn}: a model's state
 * reaches it as a {@code Map<String, Tensor>}. Parsing file formats is left out of it on purpose: a
 * format that needs a parser library (CSV, Parquet) belongs next to the program that reads it, with
 * a well-kept library (Apache Commons CSV, for instance), and yields a {@code Dataset} via {@link
 * dev.tapegrad.data.Dataset#of} or {@link dev.tapegrad.data.Dataset#fromFunction}.
 */
package dev.tapegrad.data;
