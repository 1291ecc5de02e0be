/**
 * Data-parallel training and distributed inference of tapegrad models on Apache Spark 4, with
 * Spark's own machinery (broadcasts, {@code mapPartitionsWithIndex}, {@code treeAggregate}) and
 * Spark's Java API.
 *
 * <p>{@link dev.tapegrad.spark.DataParallelTrainer} (synchronous, exact: single-machine training on
 * the same global batches) and {@link dev.tapegrad.spark.AveragingTrainer} (local steps, then
 * averaging of parameters and optimizer state) keep the master weights and the optimizer on the
 * driver; {@link dev.tapegrad.spark.TrainingLoop} runs either with a schedule, checkpoints and
 * progress; {@link dev.tapegrad.spark.DistributedInference} predicts over an RDD. A model crosses
 * the wire as a {@link dev.tapegrad.spark.BlockFactory} and a flat {@code float[]}, never as
 * serialized tensors.
 *
 * <p>Every task is a pure function of the parameters, the step and the partition (the examples it
 * draws follow {@link dev.tapegrad.spark.BatchPlan}), and partial sums are added along a fixed tree
 * over the partition indices, so results are bit-identical from run to run and when Spark retries
 * tasks. Spark is a {@code provided} dependency; docs/spark.md tells how to submit to a cluster.
 */
package dev.tapegrad.spark;
