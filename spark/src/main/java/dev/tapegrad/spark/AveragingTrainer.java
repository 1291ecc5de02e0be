package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import dev.tapegrad.optim.GradClip;
import dev.tapegrad.optim.Optimizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * Local steps with parameter averaging on Spark (DL4J's parameter averaging, "local SGD"): each
 * round is one Spark job in which every partition takes {@code k} optimizer steps of its own, and
 * the driver then averages the partitions' parameters and optimizer state.
 *
 * <p>Each round {@code r}:
 *
 * <ol>
 *   <li>the driver broadcasts the parameters and its optimizer's state dict (as flat arrays);
 *   <li>each non-empty partition loads both into a model and an optimizer it builds once per task
 *       slot ({@link BlockFactory}, {@link OptimizerFactory}), then takes {@code k} steps, step
 *       {@code j} on a local batch of {@code localBatch} examples drawn for step {@code r * k + j}
 *       (see {@link BatchPlan#draw}) with the gradient of the mean loss, optionally clipped;
 *   <li>{@code treeAggregate} adds the parameters and every state buffer ({@code exp_avg}, {@code
 *       momentum_buffer}, ...) along a fixed tree over the partition indices; step counts and
 *       hyper-parameters, which every partition has alike, come from the lowest partition;
 *   <li>the driver divides by the number of partitions and loads the averages into its model and
 *       optimizer. A schedule stepped once per round (by {@link TrainingLoop}) sets the learning
 *       rate that the next round's local steps use.
 * </ol>
 *
 * <p><b>When to pick it.</b> Synchronous {@link DataParallelTrainer} is exact (it is single-machine
 * training on a large batch) and is the default. Averaging trades that exactness for {@code k}
 * times fewer Spark jobs and broadcasts: pick it when a step's compute is small next to the fixed
 * cost of a Spark job (tens of milliseconds to schedule, plus broadcasting and aggregating the
 * parameters), for example a small model on a cluster with slow links, and when the model tolerates
 * the drift between replicas (smooth losses, moderate learning rates, {@code k} of a few to a few
 * tens). It reaches a similar loss in as many examples, not the same parameters, and results still
 * reproduce bit for bit from one run to the next. See docs/spark.md for a cost model.
 *
 * @param <M> the model's type
 * @param <E> the type of one example
 */
public final class AveragingTrainer<M extends Block, E>
    implements DistributedTrainer, AutoCloseable {
  private final TrainingData<E> data;
  private final JavaSparkContext sc;
  private final Broadcast<Factories<M>> factories;
  private final BatchLoss<M, E> loss;
  private final BatchPlan plan;
  private final int localSteps;
  private final int localBatch;
  private final double clipNorm;
  private final int treeDepth;
  private final M model;
  private final Optimizer optimizer;
  private final List<Tensor> params;

  private AveragingTrainer(Builder<M, E> b, M model, Optimizer optimizer) {
    this.model = checkNotNull(model, "AveragingTrainer: model is null");
    this.optimizer = checkNotNull(optimizer, "AveragingTrainer: optimizer is null");
    this.params = model.parameters();
    this.loss = b.loss;
    this.localSteps = b.localSteps;
    this.localBatch = b.localBatch;
    this.clipNorm = b.clipNorm;
    this.treeDepth = b.treeDepth;
    this.data = new TrainingData<>(b.data);
    this.sc = data.sc;
    // the batch plan only draws local batches here; its global batch is unused
    this.plan = BatchPlan.of(b.seed, data.sizes, 1);
    this.factories = sc.broadcast(new Factories<>(b.factory, b.optimizerFactory));
  }

  /**
   * A builder over {@code data} with the model's architecture, the loss and the executors'
   * optimizer.
   */
  public static <M extends Block, E> Builder<M, E> builder(
      JavaRDD<E> data,
      BlockFactory<M> factory,
      BatchLoss<M, E> loss,
      OptimizerFactory optimizerFactory) {
    return new Builder<>(data, factory, loss, optimizerFactory);
  }

  /**
   * Settings of an {@link AveragingTrainer}; defaults: seed 0, 8 local steps of 32 examples, no
   * clipping, tree depth 2.
   */
  public static final class Builder<M extends Block, E> {
    private final JavaRDD<E> data;
    private final BlockFactory<M> factory;
    private final BatchLoss<M, E> loss;
    private final OptimizerFactory optimizerFactory;
    private long seed;
    private int localSteps = 8;
    private int localBatch = 32;
    private double clipNorm = Double.NaN;
    private int treeDepth = 2;

    private Builder(
        JavaRDD<E> data,
        BlockFactory<M> factory,
        BatchLoss<M, E> loss,
        OptimizerFactory optimizerFactory) {
      this.data = checkNotNull(data, "AveragingTrainer: data is null");
      this.factory = checkNotNull(factory, "AveragingTrainer: factory is null");
      this.loss = checkNotNull(loss, "AveragingTrainer: loss is null");
      this.optimizerFactory =
          checkNotNull(optimizerFactory, "AveragingTrainer: optimizerFactory is null");
    }

    /** The seed of the batch draws. */
    public Builder<M, E> seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Optimizer steps each partition takes per round ({@code k}). */
    public Builder<M, E> localSteps(int k) {
      checkArgument(k > 0, "AveragingTrainer: localSteps must be positive, got %s", k);
      this.localSteps = k;
      return this;
    }

    /** Examples per local step in each partition. */
    public Builder<M, E> localBatch(int examples) {
      checkArgument(
          examples > 0, "AveragingTrainer: localBatch must be positive, got %s", examples);
      this.localBatch = examples;
      return this;
    }

    /** Clips each local gradient's 2-norm to {@code maxNorm}. */
    public Builder<M, E> clipGradNorm(double maxNorm) {
      checkArgument(
          maxNorm > 0, "AveragingTrainer: clipGradNorm must be positive, got %s", maxNorm);
      this.clipNorm = maxNorm;
      return this;
    }

    /** The depth of Spark's {@code treeAggregate}. */
    public Builder<M, E> treeDepth(int depth) {
      checkArgument(depth >= 1, "AveragingTrainer: treeDepth must be at least 1, got %s", depth);
      this.treeDepth = depth;
      return this;
    }

    /**
     * The trainer of {@code model} (the driver's copy) whose averaged state lives in {@code
     * optimizer}, which must be of the kind the optimizer factory builds.
     */
    public AveragingTrainer<M, E> build(M model, Optimizer optimizer) {
      DataParallelTrainer.checkSameArchitecture("AveragingTrainer", factory, model);
      return new AveragingTrainer<>(this, model, optimizer);
    }
  }

  /** What the executors build from: one broadcast per trainer. */
  private record Factories<M extends Block>(BlockFactory<M> model, OptimizerFactory optimizer)
      implements Serializable {}

  /** A model and its optimizer, cached together on an executor. */
  private record Replica<M extends Block>(M model, Optimizer optimizer) {}

  /** A state dict as arrays: names, shapes and values. Buffers are averaged; scalars are not. */
  private record FlatState(
      List<String> keys,
      List<int[]> shapes,
      List<Boolean> averaged,
      float[] scalars,
      int bufferLength)
      implements Serializable {
    static FlatState of(Map<String, Tensor> state, float[][] buffersOut) {
      List<String> keys = new ArrayList<>();
      List<int[]> shapes = new ArrayList<>();
      List<Boolean> averaged = new ArrayList<>();
      int scalarLength = 0;
      int bufferLength = 0;
      for (var e : state.entrySet()) {
        boolean avg = isBuffer(e.getKey());
        keys.add(e.getKey());
        shapes.add(e.getValue().shape());
        averaged.add(avg);
        if (avg) {
          bufferLength += e.getValue().numel();
        } else {
          scalarLength += e.getValue().numel();
        }
      }
      float[] scalars = new float[scalarLength];
      float[] buffers = new float[bufferLength];
      int s = 0;
      int b = 0;
      for (var e : state.entrySet()) {
        float[] v = e.getValue().toFloatArray();
        if (isBuffer(e.getKey())) {
          System.arraycopy(v, 0, buffers, b, v.length);
          b += v.length;
        } else {
          System.arraycopy(v, 0, scalars, s, v.length);
          s += v.length;
        }
      }
      buffersOut[0] = buffers;
      return new FlatState(keys, shapes, averaged, scalars, bufferLength);
    }

    /** {@code state.<i>.<buffer>}, except the step count: the tensors shaped like a parameter. */
    private static boolean isBuffer(String key) {
      return key.startsWith("state.") && !key.endsWith(".step");
    }

    Map<String, Tensor> toStateDict(float[] buffers, int offset) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      int s = 0;
      int b = offset;
      for (int k = 0; k < keys.size(); k++) {
        int[] shape = shapes.get(k);
        int n = 1;
        for (int d : shape) {
          n *= d;
        }
        float[] v = new float[n];
        if (averaged.get(k)) {
          System.arraycopy(buffers, b, v, 0, n);
          b += n;
        } else {
          System.arraycopy(scalars, s, v, 0, n);
          s += n;
        }
        out.put(keys.get(k), Tensor.of(v, shape));
      }
      return out;
    }
  }

  /** The parameters and the optimizer's state, as the driver broadcasts them each round. */
  private record RoundInput(Floats.Vector parameters, FlatState state, Floats.Vector buffers)
      implements Serializable {}

  /** How many local steps each partition takes per round. */
  public int localSteps() {
    return localSteps;
  }

  /** How the local batches are drawn. */
  public BatchPlan plan() {
    return plan;
  }

  @Override
  public M model() {
    return model;
  }

  @Override
  public Optimizer optimizer() {
    return optimizer;
  }

  /** Runs round {@code round}: {@code k} local steps in every partition, then the average. */
  @Override
  public StepTimings step(long round) {
    long t0 = System.nanoTime();
    float[][] buffers = new float[1][];
    FlatState state = FlatState.of(optimizer.stateDict(), buffers);
    Broadcast<RoundInput> input =
        sc.broadcast(
            new RoundInput(
                new Floats.Vector(Flat.values(params)), state, new Floats.Vector(buffers[0])));
    long t1 = System.nanoTime();
    sc.setJobDescription(
        "tapegrad: averaging round "
            + round
            + ", "
            + localSteps
            + " local steps of "
            + localBatch
            + " examples on "
            + plan.partitions()
            + " partitions");
    OrderedSum sum;
    long t2;
    try {
      sum =
          data.rdd
              .mapPartitionsWithIndex(
                  new LocalStepsTask<>(
                      factories, input, loss, plan, round, localSteps, localBatch, clipNorm),
                  false)
              .treeAggregate(
                  new OrderedSum(plan.partitions()),
                  OrderedSum::merge,
                  OrderedSum::merge,
                  treeDepth);
    } finally {
      t2 = System.nanoTime();
      input.destroy();
    }
    long t3 = System.nanoTime();
    OrderedSum.Node total = sum.total();
    int replicas = total.contributing;
    float[] average = total.values;
    for (int i = 0; i < average.length; i++) {
      average[i] /= replicas;
    }
    Flat.load(params, average, 0);
    FlatState after = (FlatState) total.first;
    optimizer.loadStateDict(after.toStateDict(average, Flat.size(params)));
    long t4 = System.nanoTime();
    long job = t2 - t1;
    long scheduling = Math.max(0, job - total.fetchNanos - total.computeNanos - sum.mergeNanos());
    return new StepTimings(
        round,
        total.loss / ((double) replicas * localSteps),
        total.examples,
        t4 - t0,
        scheduling,
        (t1 - t0) + (t3 - t2) + total.fetchNanos,
        total.computeNanos,
        sum.mergeNanos() + (t4 - t3),
        0);
  }

  /**
   * Releases the broadcast factories and the cached training data; the Spark context stays open.
   */
  @Override
  public void close() {
    ExecutorCache.forget(factories.id());
    factories.destroy();
    data.release();
  }

  /** One partition's round: a pure function of (parameters, optimizer state, round, partition). */
  private static final class LocalStepsTask<M extends Block, E>
      implements Function2<Integer, Iterator<E>, Iterator<OrderedSum>> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<Factories<M>> factories;
    private final Broadcast<RoundInput> input;
    private final BatchLoss<M, E> loss;
    private final BatchPlan plan;
    private final long round;
    private final int localSteps;
    private final int localBatch;
    private final double clipNorm;

    LocalStepsTask(
        Broadcast<Factories<M>> factories,
        Broadcast<RoundInput> input,
        BatchLoss<M, E> loss,
        BatchPlan plan,
        long round,
        int localSteps,
        int localBatch,
        double clipNorm) {
      this.factories = factories;
      this.input = input;
      this.loss = loss;
      this.plan = plan;
      this.round = round;
      this.localSteps = localSteps;
      this.localBatch = localBatch;
      this.clipNorm = clipNorm;
    }

    @Override
    public Iterator<OrderedSum> call(Integer partition, Iterator<E> examples) {
      OrderedSum out = new OrderedSum(plan.partitions());
      if (plan.size(partition) == 0) {
        out.add(partition, new OrderedSum.Node(null, 0, 0, 0, 0, null));
        return Collections.singletonList(out).iterator();
      }
      long f0 = System.nanoTime();
      RoundInput in = input.value();
      long fetch = System.nanoTime() - f0;
      long c0 = System.nanoTime();
      List<E> all = new ArrayList<>();
      examples.forEachRemaining(all::add);
      Replica<M> replica =
          ExecutorCache.borrow(
              factories.id(),
              () -> {
                M m = factories.value().model().create();
                return new Replica<>(m, factories.value().optimizer().create(m.parameters()));
              });
      double lossSum = 0;
      float[] values;
      FlatState state;
      try {
        List<Tensor> params = replica.model().parameters();
        Flat.load(params, in.parameters().values(), 0);
        replica.optimizer().loadStateDict(in.state().toStateDict(in.buffers().values(), 0));
        replica.model().train();
        for (int j = 0; j < localSteps; j++) {
          int[] positions = plan.draw(round * localSteps + j, partition, localBatch);
          List<E> batch = new ArrayList<>(positions.length);
          for (int i : positions) {
            batch.add(all.get(i));
          }
          replica.optimizer().zeroGrad();
          Tensor value = loss.sumLoss(replica.model(), batch).div((float) batch.size());
          value.backward();
          lossSum += value.item();
          if (!Double.isNaN(clipNorm)) {
            GradClip.clipGradNorm(params, clipNorm);
          }
          replica.optimizer().step();
        }
        replica.optimizer().zeroGrad();
        float[][] buffers = new float[1][];
        state = FlatState.of(replica.optimizer().stateDict(), buffers);
        float[] p = Flat.values(params);
        values = new float[p.length + buffers[0].length];
        System.arraycopy(p, 0, values, 0, p.length);
        System.arraycopy(buffers[0], 0, values, p.length, buffers[0].length);
      } finally {
        ExecutorCache.release(factories.id(), replica);
      }
      checkState(
          state.bufferLength() + Flat.size(replica.model().parameters()) == values.length,
          "AveragingTrainer: state layout");
      long compute = System.nanoTime() - c0;
      out.add(
          partition,
          new OrderedSum.Node(
              values, lossSum, (long) localSteps * localBatch, fetch, compute, state));
      return Collections.singletonList(out).iterator();
    }
  }
}
