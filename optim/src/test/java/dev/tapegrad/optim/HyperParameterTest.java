package dev.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/** Invalid hyper-parameters and arguments fail at construction with messages naming them. */
class HyperParameterTest {
  private static final List<Tensor> P = List.of(Tensor.zeros(2).requiresGrad(true));

  private static Sgd sgd() {
    return new Sgd(List.of(Tensor.zeros(1).requiresGrad(true)), Sgd.options());
  }

  /** Each case: what is built, and the fragments its message must contain (parameter and value). */
  private record Case(String name, Executable build, String... fragments) {}

  private static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    c.add(
        new Case("Sgd negative lr", () -> new Sgd(P, Sgd.options().lr(-0.1)), "Sgd", "lr", "-0.1"));
    c.add(new Case("Sgd NaN lr", () -> new Sgd(P, Sgd.options().lr(Double.NaN)), "lr", "NaN"));
    c.add(
        new Case(
            "Sgd infinite lr",
            () -> new Sgd(P, Sgd.options().lr(Double.POSITIVE_INFINITY)),
            "lr",
            "Infinity"));
    c.add(
        new Case(
            "Sgd negative momentum",
            () -> new Sgd(P, Sgd.options().momentum(-0.5)),
            "momentum",
            "-0.5"));
    c.add(
        new Case(
            "Sgd dampening above 1",
            () -> new Sgd(P, Sgd.options().momentum(0.9).dampening(1.5)),
            "dampening",
            "1.5"));
    c.add(
        new Case(
            "Sgd negative weight decay",
            () -> new Sgd(P, Sgd.options().weightDecay(-1e-4)),
            "weightDecay",
            "-1.0E-4"));
    c.add(
        new Case(
            "Sgd nesterov without momentum",
            () -> new Sgd(P, Sgd.options().nesterov(true)),
            "nesterov",
            "momentum 0.0"));
    c.add(
        new Case(
            "Sgd nesterov with dampening",
            () -> new Sgd(P, Sgd.options().momentum(0.9).dampening(0.1).nesterov(true)),
            "nesterov",
            "dampening 0.1"));
    c.add(
        new Case(
            "Sgd second group",
            () -> sgd().addParamGroup(List.of(Tensor.zeros(3)), Sgd.options().lr(-2)),
            "lr",
            "-2.0"));

    c.add(
        new Case(
            "Adam negative lr",
            () -> new Adam(P, Adam.options().lr(-1e-3)),
            "Adam",
            "lr",
            "-0.001"));
    c.add(
        new Case(
            "Adam beta1 = 1",
            () -> new Adam(P, Adam.options().betas(1.0, 0.999)),
            "beta1",
            "1.0",
            "[0, 1)"));
    c.add(
        new Case(
            "Adam negative beta1",
            () -> new Adam(P, Adam.options().betas(-0.1, 0.999)),
            "beta1",
            "-0.1"));
    c.add(
        new Case(
            "Adam beta2 above 1",
            () -> new Adam(P, Adam.options().betas(0.9, 1.2)),
            "beta2",
            "1.2"));
    c.add(
        new Case(
            "Adam negative eps", () -> new Adam(P, Adam.options().eps(-1e-8)), "eps", "-1.0E-8"));
    c.add(
        new Case(
            "Adam negative weight decay",
            () -> new Adam(P, Adam.options().weightDecay(-0.01)),
            "weightDecay",
            "-0.01"));
    c.add(
        new Case(
            "AdamW beta2 = 1",
            () -> new AdamW(P, AdamW.options().betas(0.9, 1.0)),
            "AdamW",
            "beta2",
            "1.0"));
    c.add(
        new Case(
            "AdamW negative weight decay",
            () -> new AdamW(P, AdamW.options().weightDecay(-0.5)),
            "AdamW",
            "weightDecay",
            "-0.5"));

    c.add(
        new Case(
            "RmsProp negative lr",
            () -> new RmsProp(P, RmsProp.options().lr(-0.01)),
            "RmsProp",
            "lr",
            "-0.01"));
    c.add(
        new Case(
            "RmsProp alpha above 1",
            () -> new RmsProp(P, RmsProp.options().alpha(1.01)),
            "alpha",
            "1.01"));
    c.add(
        new Case(
            "RmsProp negative alpha",
            () -> new RmsProp(P, RmsProp.options().alpha(-0.9)),
            "alpha",
            "-0.9"));
    c.add(
        new Case(
            "RmsProp negative eps",
            () -> new RmsProp(P, RmsProp.options().eps(-1)),
            "eps",
            "-1.0"));
    c.add(
        new Case(
            "RmsProp negative momentum",
            () -> new RmsProp(P, RmsProp.options().momentum(-0.9)),
            "momentum",
            "-0.9"));
    c.add(
        new Case(
            "RmsProp negative weight decay",
            () -> new RmsProp(P, RmsProp.options().weightDecay(-3)),
            "weightDecay",
            "-3.0"));

    c.add(
        new Case(
            "Adagrad negative lr",
            () -> new Adagrad(P, Adagrad.options().lr(-0.1)),
            "Adagrad",
            "lr",
            "-0.1"));
    c.add(
        new Case(
            "Adagrad negative lr decay",
            () -> new Adagrad(P, Adagrad.options().lrDecay(-0.2)),
            "lrDecay",
            "-0.2"));
    c.add(
        new Case(
            "Adagrad negative initial accumulator",
            () -> new Adagrad(P, Adagrad.options().initialAccumulatorValue(-1)),
            "initialAccumulatorValue",
            "-1.0"));
    c.add(
        new Case(
            "Adagrad negative eps",
            () -> new Adagrad(P, Adagrad.options().eps(-1e-10)),
            "eps",
            "-1.0E-10"));
    c.add(
        new Case(
            "Adagrad negative weight decay",
            () -> new Adagrad(P, Adagrad.options().weightDecay(-1)),
            "weightDecay",
            "-1.0"));

    c.add(
        new Case("StepLr step size 0", () -> new StepLr(sgd(), 0, 0.1), "StepLr", "stepSize", "0"));
    c.add(
        new Case(
            "StepLr negative gamma", () -> new StepLr(sgd(), 3, -0.1), "StepLr", "gamma", "-0.1"));
    c.add(
        new Case(
            "MultiStepLr unsorted",
            () -> new MultiStepLr(sgd(), new int[] {5, 3}, 0.1),
            "milestones",
            "[5, 3]"));
    c.add(
        new Case(
            "MultiStepLr zero milestone",
            () -> new MultiStepLr(sgd(), new int[] {0, 3}, 0.1),
            "milestones",
            "[0, 3]"));
    c.add(
        new Case(
            "MultiStepLr empty",
            () -> new MultiStepLr(sgd(), new int[0], 0.1),
            "milestones",
            "[]"));
    c.add(
        new Case(
            "ExponentialLr NaN gamma", () -> new ExponentialLr(sgd(), Double.NaN), "gamma", "NaN"));
    c.add(new Case("CosineAnnealingLr tMax 0", () -> new CosineAnnealingLr(sgd(), 0), "tMax", "0"));
    c.add(
        new Case(
            "CosineAnnealingLr negative etaMin",
            () -> new CosineAnnealingLr(sgd(), 10, -1e-3),
            "etaMin",
            "-0.001"));
    c.add(
        new Case(
            "LinearWarmup zero steps", () -> new LinearWarmup(sgd(), 0, 0.1), "warmupSteps", "0"));
    c.add(
        new Case(
            "LinearWarmup start factor 0",
            () -> new LinearWarmup(sgd(), 5, 0.0),
            "startFactor",
            "0.0",
            "(0, 1]"));
    c.add(
        new Case(
            "LinearWarmup start factor above 1",
            () -> new LinearWarmup(sgd(), 5, 1.5),
            "startFactor",
            "1.5"));
    c.add(
        new Case(
            "ReduceLrOnPlateau factor 1",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().factor(1.0)),
            "factor",
            "1.0"));
    c.add(
        new Case(
            "ReduceLrOnPlateau negative patience",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().patience(-1)),
            "patience",
            "-1"));
    c.add(
        new Case(
            "ReduceLrOnPlateau negative threshold",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().threshold(-0.1)),
            "threshold",
            "-0.1"));
    c.add(
        new Case(
            "ReduceLrOnPlateau negative cooldown",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().cooldown(-2)),
            "cooldown",
            "-2"));
    c.add(
        new Case(
            "ReduceLrOnPlateau negative min lr",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().minLr(-0.5)),
            "minLr",
            "-0.5"));
    c.add(
        new Case(
            "ReduceLrOnPlateau min lr per group count",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().minLr(0.1, 0.2)),
            "minLr",
            "[0.1, 0.2]",
            "1"));
    c.add(
        new Case(
            "ReduceLrOnPlateau negative eps",
            () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().eps(-1)),
            "eps",
            "-1.0"));
    c.add(
        new Case(
            "clipGradNorm negative max norm",
            () -> GradClip.clipGradNorm(P, -1.0),
            "maxNorm",
            "-1.0"));
    c.add(
        new Case(
            "clipGradNorm zero norm type",
            () -> GradClip.clipGradNorm(P, 1.0, 0.0),
            "normType",
            "0.0"));
    c.add(
        new Case(
            "clipGradValue negative", () -> GradClip.clipGradValue(P, -0.5), "clipValue", "-0.5"));
    c.add(new Case("setLr negative", () -> sgd().paramGroups().get(0).setLr(-0.25), "lr", "-0.25"));
    return c;
  }

  @TestFactory
  Stream<DynamicTest> invalidValuesAreRejectedWithTheirNameAndValue() {
    return cases().stream()
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.name(),
                    () -> {
                      IllegalArgumentException e =
                          assertThrows(IllegalArgumentException.class, c.build(), c.name());
                      for (String fragment : c.fragments()) {
                        assertTrue(
                            e.getMessage().contains(fragment),
                            () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
                      }
                    }));
  }

  @Test
  void boundaryValuesAreAccepted() {
    assertDoesNotThrow(() -> new Sgd(P, Sgd.options().lr(0).momentum(0.9).dampening(1)));
    assertDoesNotThrow(() -> new Adam(P, Adam.options().betas(0, 0).eps(0)));
    assertDoesNotThrow(() -> new RmsProp(P, RmsProp.options().alpha(1)));
    assertDoesNotThrow(() -> new RmsProp(P, RmsProp.options().alpha(0)));
    assertDoesNotThrow(() -> new LinearWarmup(sgd(), 1, 1.0));
    assertDoesNotThrow(
        () -> new ReduceLrOnPlateau(sgd(), ReduceLrOnPlateau.options().factor(0).patience(0)));
  }

  @Test
  void parametersMustBeDistinctNonEmptyLeaves() {
    Tensor a = Tensor.ones(2).requiresGrad(true);
    Tensor nonLeaf = a.mul(2f);
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new Adam(List.of(nonLeaf), Adam.options()));
    assertTrue(
        e.getMessage().contains("not a leaf") && e.getMessage().contains("mul"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(a, a), Adam.options()));
    assertTrue(e.getMessage().contains("more than once"), e.getMessage());
    Adam adam = new Adam(List.of(a), Adam.options());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> adam.addParamGroup(List.of(a), Adam.options()));
    assertTrue(e.getMessage().contains("more than once"), e.getMessage());
    assertEquals(1, adam.paramGroups().size(), "a rejected group is not added");
    e = assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), Sgd.options()));
    assertTrue(e.getMessage().contains("at least one parameter"), e.getMessage());
  }

  @Test
  void optionsAreImmutableAndReadable() {
    OptimizerOptions<Adam> base = Adam.options().lr(0.1);
    OptimizerOptions<Adam> changed = base.lr(0.2).amsgrad(true);
    assertTrue(base.toString().contains("lr=0.1"), base.toString());
    assertTrue(
        changed.toString().contains("lr=0.2") && changed.toString().contains("amsgrad=true"),
        changed.toString());
    assertEquals(0.01, AdamW.options().values().get("weight_decay"));
    assertEquals(0.0, Adam.options().values().get("weight_decay"));
    Adam adam = new Adam(P, base);
    assertEquals(0.1, adam.paramGroups().get(0).lr());
    assertEquals(0.999, adam.paramGroups().get(0).get("beta2"));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> adam.paramGroups().get(0).get("momentum"));
    assertTrue(
        e.getMessage().contains("momentum") && e.getMessage().contains("beta1"), e.getMessage());
  }

  @Test
  void theTableDecidesWhichSettersApplyAndFlagsStayBooleans() {
    var e = assertThrows(IllegalArgumentException.class, () -> Sgd.options().eps(1e-3));
    assertTrue(
        e.getMessage().contains("Sgd has no hyper-parameter eps")
            && e.getMessage().contains("momentum"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Adagrad.options().betas(0.9, 0.99));
    assertTrue(e.getMessage().contains("Adagrad has no hyper-parameter beta1"), e.getMessage());
    Adam adam = new Adam(P, Adam.options().amsgrad(true));
    @SuppressWarnings({"unchecked", "rawtypes"})
    OptimizerOptions<Adam> foreign = (OptimizerOptions) Sgd.options();
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> adam.addParamGroup(List.of(Tensor.zeros(1)), foreign));
    assertTrue(
        e.getMessage().contains("another optimizer's") && e.getMessage().contains("Adam.options()"),
        e.getMessage());
    assertEquals(Boolean.TRUE, adam.paramGroups().get(0).hyperParameters().get("amsgrad"));
    assertTrue(adam.paramGroups().get(0).flag("amsgrad"));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> adam.paramGroups().get(0).get("amsgrad"));
    assertTrue(e.getMessage().contains("read with flag(name)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> adam.paramGroups().get(0).flag("lr"));
    assertTrue(e.getMessage().contains("read with get(name)"), e.getMessage());
    assertEquals(
        List.of("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"),
        List.copyOf(Sgd.options().values().keySet()),
        "the table's order is the options' and the state dict's");
    assertEquals(Boolean.FALSE, Sgd.options().values().get("nesterov"));
  }
}
