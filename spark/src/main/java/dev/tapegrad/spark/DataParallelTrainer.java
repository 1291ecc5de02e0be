package dev.tapegrad.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import dev.tapegrad.optim.GradClip;
import dev.tapegrad.optim.Optimizer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel training on Spark: every step is one Spark job that computes the
 * gradient of one global batch, and the driver applies it with any tapegrad optimizer.
 *
 * <p>Each step:
 *
 * <ol>
 *   <li>the driver broadcasts the parameters as one {@code float[]} (serialized in bulk);
 *   <li>each partition draws its share of the global batch (see {@link BatchPlan}), computes the
 *       summed loss of its share with the {@link BatchLoss} and backpropagates it, on a model it
 *       builds once per task slot from the {@link BlockFactory} and reuses for every step;
 *   <li>{@code treeAggregate} adds the partitions' gradients along a fixed tree over the partition
 *       indices, so the sum is the same bit for bit whatever the order in which tasks finish (see
 *       {@link OrderedSum});
 *   <li>the driver sets each parameter's gradient to the sum divided by the global batch size (the
 *       gradient of the mean loss), optionally clips its norm, and calls {@code optimizer.step()}.
 *       Schedules are stepped by the caller or by {@link TrainingLoop}.
 * </ol>
 *
 * <p>So a step equals a single-machine step on the same global batch up to float rounding of the
 * gradient sum, and two runs with the same seed, data and number of partitions give bit-identical
 * parameters, with or without task failures and retries. Changing the number of partitions changes
 * which examples are drawn.
 *
 * <p>A parameter that the loss does not reach gets a zero gradient (not none), so an optimizer with
 * momentum or weight decay still moves it, unlike single-machine training where its {@code grad()}
 * stays null.
 *
 * <p>For a custom update (another clipping, gradient noise, several optimizers) call {@link
 * #computeGradients} and then update the model yourself.
 *
 * <pre>{@code
 * Mlp model = new Mlp(new Random(0));
 * Adam adam = new Adam(model.parameters(), Adam.options().lr(1e-3));
 * try (var trainer = DataParallelTrainer.builder(examples, () -> new Mlp(new Random(0)), loss)
 *     .globalBatch(256).seed(7).clipGradNorm(5).build(model, adam)) {
 *   new TrainingLoop(trainer).run(0, 1000);
 * }
 * }</pre>
 *
 * @param <M> the model's type
 * @param <E> the type of one example
 */
public final class DataParallelTrainer<M extends Block, E>
    implements DistributedTrainer, AutoCloseable {
  private final TrainingData<E> data;
  private final JavaSparkContext sc;
  private final BatchLoss<M, E> loss;
  private final Broadcast<BlockFactory<M>> factory;
  private final BatchPlan plan;
  private final double clipNorm;
  private final int treeDepth;
  private final M model;
  private final Optimizer optimizer;
  private final List<Tensor> params;

  private DataParallelTrainer(Builder<M, E> b, M model, Optimizer optimizer) {
    this.model = checkNotNull(model, "DataParallelTrainer: model is null");
    this.optimizer = checkNotNull(optimizer, "DataParallelTrainer: optimizer is null");
    this.params = model.parameters();
    this.loss = b.loss;
    this.clipNorm = b.clipNorm;
    this.treeDepth = b.treeDepth;
    this.data = new TrainingData<>(b.data);
    this.sc = data.sc;
    this.plan = BatchPlan.of(b.seed, data.sizes, b.globalBatch);
    this.factory = sc.broadcast(b.factory);
  }

  /**
   * A builder over {@code data} (kept in memory while the trainer lives, unless already persisted),
   * with the model's architecture from {@code factory} and the loss {@code loss}.
   */
  public static <M extends Block, E> Builder<M, E> builder(
      JavaRDD<E> data, BlockFactory<M> factory, BatchLoss<M, E> loss) {
    return new Builder<>(data, factory, loss);
  }

  /**
   * Settings of a {@link DataParallelTrainer}; defaults: seed 0, global batch 32, no clipping, tree
   * depth 2.
   */
  public static final class Builder<M extends Block, E> {
    private final JavaRDD<E> data;
    private final BlockFactory<M> factory;
    private final BatchLoss<M, E> loss;
    private long seed;
    private int globalBatch = 32;
    private double clipNorm = Double.NaN;
    private int treeDepth = 2;

    private Builder(JavaRDD<E> data, BlockFactory<M> factory, BatchLoss<M, E> loss) {
      this.data = checkNotNull(data, "DataParallelTrainer: data is null");
      this.factory = checkNotNull(factory, "DataParallelTrainer: factory is null");
      this.loss = checkNotNull(loss, "DataParallelTrainer: loss is null");
    }

    /** The seed of the batch draws (see {@link BatchPlan}). */
    public Builder<M, E> seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** The number of examples per step, over all partitions. */
    public Builder<M, E> globalBatch(int globalBatch) {
      checkArgument(
          globalBatch > 0,
          "DataParallelTrainer: globalBatch must be positive, got %s",
          globalBatch);
      this.globalBatch = globalBatch;
      return this;
    }

    /**
     * Clips the global gradient's 2-norm to {@code maxNorm} before each update, as {@link
     * GradClip#clipGradNorm}.
     */
    public Builder<M, E> clipGradNorm(double maxNorm) {
      checkArgument(
          maxNorm > 0, "DataParallelTrainer: clipGradNorm must be positive, got %s", maxNorm);
      this.clipNorm = maxNorm;
      return this;
    }

    /**
     * The depth of Spark's {@code treeAggregate} (2 is Spark's default; more for many partitions).
     */
    public Builder<M, E> treeDepth(int depth) {
      checkArgument(depth >= 1, "DataParallelTrainer: treeDepth must be at least 1, got %s", depth);
      this.treeDepth = depth;
      return this;
    }

    /**
     * The trainer of {@code model} (the driver's copy, whose parameters it updates in place) with
     * {@code optimizer} (over {@code model.parameters()}). Runs one Spark job that counts the
     * examples of each partition.
     *
     * @throws IllegalArgumentException if the factory builds a model with other parameters than
     *     {@code model}'s, or every partition is empty
     */
    public DataParallelTrainer<M, E> build(M model, Optimizer optimizer) {
      checkSameArchitecture("DataParallelTrainer", factory, model);
      return new DataParallelTrainer<>(this, model, optimizer);
    }
  }

  static void checkSameArchitecture(String owner, BlockFactory<?> factory, Block model) {
    var built = factory.create().namedParameters();
    var own = model.namedParameters();
    checkArgument(
        built.keySet().equals(own.keySet()),
        "%s: the factory builds parameters %s but the model has %s",
        owner,
        built.keySet(),
        own.keySet());
    for (var e : own.entrySet()) {
      checkArgument(
          Arrays.equals(e.getValue().shape(), built.get(e.getKey()).shape()),
          "%s: parameter %s is %s in the model but %s from the factory",
          owner,
          e.getKey(),
          Arrays.toString(e.getValue().shape()),
          Arrays.toString(built.get(e.getKey()).shape()));
    }
  }

  /** How the global batches are drawn. */
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

  /**
   * Computes the gradients of step {@code step} (clipped, if asked for) and applies the optimizer.
   */
  @Override
  public StepTimings step(long step) {
    StepTimings t = computeGradients(step);
    long start = System.nanoTime();
    if (!Double.isNaN(clipNorm)) {
      GradClip.clipGradNorm(params, clipNorm);
    }
    optimizer.step();
    long update = System.nanoTime() - start;
    return new StepTimings(
        t.step(),
        t.loss(),
        t.examples(),
        t.stepNanos() + update,
        t.schedulingNanos(),
        t.broadcastNanos(),
        t.computeNanos(),
        t.aggregateNanos(),
        update);
  }

  /**
   * Runs the Spark job of step {@code step} and sets every parameter's gradient to the gradient of
   * the mean loss over the step's global batch; the parameters are not changed.
   */
  public StepTimings computeGradients(long step) {
    long t0 = System.nanoTime();
    Broadcast<Floats.Vector> weights = sc.broadcast(new Floats.Vector(Flat.values(params)));
    long t1 = System.nanoTime();
    sc.setJobDescription(
        "tapegrad: step "
            + step
            + ", gradient of "
            + plan.globalBatch()
            + " examples on "
            + plan.partitions()
            + " partitions");
    int partitions = plan.partitions();
    OrderedSum sum;
    long t2;
    try {
      sum =
          data.rdd
              .mapPartitionsWithIndex(new GradientTask<>(factory, weights, loss, plan, step), false)
              .treeAggregate(
                  new OrderedSum(partitions), OrderedSum::merge, OrderedSum::merge, treeDepth);
    } finally {
      t2 = System.nanoTime();
      weights.destroy();
    }
    long t3 = System.nanoTime();
    OrderedSum.Node total = sum.total();
    checkState(
        total.examples == plan.globalBatch(),
        "DataParallelTrainer: %s of %s examples",
        total.examples,
        plan.globalBatch());
    Flat.setGradients(params, total.values, plan.globalBatch());
    long t4 = System.nanoTime();
    long job = t2 - t1;
    long scheduling = Math.max(0, job - total.fetchNanos - total.computeNanos - sum.mergeNanos());
    return new StepTimings(
        step,
        total.loss / plan.globalBatch(),
        total.examples,
        t4 - t0,
        scheduling,
        (t1 - t0) + (t3 - t2) + total.fetchNanos,
        total.computeNanos,
        sum.mergeNanos() + (t4 - t3),
        0);
  }

  /** Releases the broadcast factory and the cached training data; the Spark context stays open. */
  @Override
  public void close() {
    ExecutorCache.forget(factory.id());
    factory.destroy();
    data.release();
  }

  /** One partition's part of a step: a pure function of (parameters, step, partition). */
  private static final class GradientTask<M extends Block, E>
      implements Function2<Integer, Iterator<E>, Iterator<OrderedSum>> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<BlockFactory<M>> factory;
    private final Broadcast<Floats.Vector> weights;
    private final BatchLoss<M, E> loss;
    private final BatchPlan plan;
    private final long step;

    GradientTask(
        Broadcast<BlockFactory<M>> factory,
        Broadcast<Floats.Vector> weights,
        BatchLoss<M, E> loss,
        BatchPlan plan,
        long step) {
      this.factory = factory;
      this.weights = weights;
      this.loss = loss;
      this.plan = plan;
      this.step = step;
    }

    @Override
    public Iterator<OrderedSum> call(Integer partition, Iterator<E> examples) {
      OrderedSum out = new OrderedSum(plan.partitions());
      int[] positions = plan.indices(step, partition);
      if (positions.length == 0) {
        out.add(partition, new OrderedSum.Node(null, 0, 0, 0, 0, null));
        return Collections.singletonList(out).iterator();
      }
      long f0 = System.nanoTime();
      float[] w = weights.value().values();
      long fetch = System.nanoTime() - f0;
      long c0 = System.nanoTime();
      List<E> batch = TrainingData.pick(examples, positions);
      M model = ExecutorCache.borrow(factory.id(), () -> factory.value().create());
      float[] gradient;
      double sum;
      try {
        List<Tensor> params = model.parameters();
        Flat.load(params, w, 0);
        model.train();
        model.zeroGrad();
        Tensor value = loss.sumLoss(model, batch);
        value.backward();
        sum = value.item();
        gradient = Flat.gradients(params);
        model.zeroGrad();
      } finally {
        ExecutorCache.release(factory.id(), model);
      }
      long compute = System.nanoTime() - c0;
      out.add(partition, new OrderedSum.Node(gradient, sum, batch.size(), fetch, compute, null));
      return Collections.singletonList(out).iterator();
    }
  }
}
