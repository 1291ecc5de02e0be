#!/usr/bin/env python3
"""Reference fixtures for tapegrad's optim module, computed with PyTorch.

Regenerate (from the repository root, with PyTorch 1.13 installed for /usr/bin/python3):

    /usr/bin/python3 tools/fixtures_optim.py

which rewrites optim/src/test/resources/parity/optim.json. The output is deterministic: every
tensor comes from a seeded torch.Generator, and nothing depends on the machine's clock.

What is recorded:

* optimizers: each case runs one torch.optim optimizer (single-tensor code path, foreach=False)
  for 20 steps on two parameters (shapes [4, 5] and [3]) with gradients drawn from a seeded
  generator before the run, and records the parameters after every step. In the "skip" cases the
  second parameter has no gradient on some steps (p.grad = None), which must leave it untouched.
* schedules: the learning rate of every parameter group after construction and after each
  scheduler step. tapegrad's LinearWarmup has no PyTorch counterpart; it is defined as
      LinearWarmup(opt, warmupSteps, startFactor)        == LinearLR(opt, startFactor, 1.0, warmupSteps)
      LinearWarmup(opt, warmupSteps, startFactor, then)  == SequentialLR(opt,
              [LinearLR(opt, startFactor, 1.0, warmupSteps), then], milestones=[warmupSteps])
  and the fixtures are generated with exactly those PyTorch compositions.
* clip: clip_grad_norm_ (norm types 2, 1, 3 and inf) returning the total norm and the clipped
  gradients, and clip_grad_value_.

Option names in the JSON are tapegrad's (Java) names, so the tests can map them one to one.
"""

import json
import math
import os
import warnings

import torch
from torch.optim import SGD, Adam, AdamW, RMSprop, Adagrad
from torch.optim import lr_scheduler as sched

STEPS = 20
SHAPES = [[4, 5], [3]]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "optim", "src", "test",
                   "resources", "parity", "optim.json")


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def torch_kwargs(optimizer, options):
    """Maps tapegrad option names onto PyTorch keyword arguments."""
    names = {"weightDecay": "weight_decay", "lrDecay": "lr_decay",
             "initialAccumulatorValue": "initial_accumulator_value"}
    out = {}
    for key, value in options.items():
        if key == "betas":
            out["betas"] = tuple(value)
        else:
            out[names.get(key, key)] = value
    if optimizer != "Adagrad":
        out["foreach"] = False
    return out


TORCH_OPTIMIZERS = {"Sgd": SGD, "Adam": Adam, "AdamW": AdamW, "RmsProp": RMSprop, "Adagrad": Adagrad}


def optimizer_case(name, optimizer, groups, seed, skip_steps=()):
    """groups: list of (param indices, options); the first group's options double as defaults."""
    gen = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=gen).requires_grad_(True) for s in SHAPES]
    initial = [flat(p) for p in params]
    grads = []
    for step in range(STEPS):
        row = []
        for i, s in enumerate(SHAPES):
            g = torch.randn(s, generator=gen)
            row.append(None if (i == 1 and step in skip_steps) else g)
        grads.append(row)
    torch_groups = [dict(params=[params[i] for i in idx], **torch_kwargs(optimizer, opts))
                    for idx, opts in groups]
    # The first group's options double as the constructor's defaults: PyTorch's Adagrad takes
    # initial_accumulator_value from the constructor only, ignoring a group's own value.
    opt = TORCH_OPTIMIZERS[optimizer](torch_groups, **torch_kwargs(optimizer, groups[0][1]))
    trajectory = []
    for row in grads:
        for p, g in zip(params, row):
            p.grad = None if g is None else g.clone()
        opt.step()
        trajectory.append([flat(p) for p in params])
    return {
        "name": name,
        "optimizer": optimizer,
        "shapes": SHAPES,
        "groups": [{"params": idx, "options": opts} for idx, opts in groups],
        "initial": initial,
        "grads": [[None if g is None else flat(g) for g in row] for row in grads],
        "params": trajectory,
    }


def optimizer_cases():
    both = [0, 1]
    cases = []
    seed = 100

    def add(name, optimizer, options, **kw):
        nonlocal seed
        seed += 1
        cases.append(optimizer_case(name, optimizer, [(both, options)], seed, **kw))

    def add_two_groups(name, optimizer, options0, options1):
        nonlocal seed
        seed += 1
        cases.append(optimizer_case(name, optimizer, [([0], options0), ([1], options1)], seed))

    add("sgd", "Sgd", {"lr": 0.1})
    add("sgd_momentum", "Sgd", {"lr": 0.05, "momentum": 0.9})
    add("sgd_dampening", "Sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3})
    add("sgd_nesterov", "Sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True})
    add("sgd_weight_decay", "Sgd", {"lr": 0.05, "momentum": 0.9, "weightDecay": 0.1})
    add("sgd_maximize", "Sgd", {"lr": 0.05, "momentum": 0.5, "maximize": True})
    add("sgd_skip", "Sgd", {"lr": 0.05, "momentum": 0.9}, skip_steps=(0, 1, 7, 8, 15))
    add_two_groups("sgd_two_groups", "Sgd", {"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.9})

    add("adam", "Adam", {"lr": 0.01})
    add("adam_betas_eps", "Adam", {"lr": 0.02, "betas": [0.8, 0.95], "eps": 1e-6})
    add("adam_weight_decay", "Adam", {"lr": 0.01, "weightDecay": 0.1})
    add("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True})
    add("adam_maximize", "Adam", {"lr": 0.01, "maximize": True, "weightDecay": 0.05})
    add("adam_skip", "Adam", {"lr": 0.01}, skip_steps=(3, 4, 5, 12))
    add_two_groups("adam_two_groups", "Adam", {"lr": 0.01}, {"lr": 0.001, "amsgrad": True})

    add("adamw", "AdamW", {"lr": 0.01})
    add("adamw_weight_decay", "AdamW", {"lr": 0.01, "weightDecay": 0.3})
    add("adamw_amsgrad", "AdamW", {"lr": 0.01, "amsgrad": True, "betas": [0.85, 0.99]})
    add("adamw_maximize", "AdamW", {"lr": 0.01, "maximize": True})
    add_two_groups("adamw_two_groups", "AdamW", {"lr": 0.01}, {"lr": 0.05, "weightDecay": 0.0})

    add("rmsprop", "RmsProp", {"lr": 0.01})
    add("rmsprop_alpha", "RmsProp", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6})
    add("rmsprop_centered", "RmsProp", {"lr": 0.01, "centered": True})
    add("rmsprop_momentum", "RmsProp", {"lr": 0.01, "momentum": 0.9})
    add("rmsprop_centered_momentum_wd", "RmsProp",
        {"lr": 0.005, "centered": True, "momentum": 0.5, "weightDecay": 0.1})
    add("rmsprop_maximize", "RmsProp", {"lr": 0.01, "maximize": True})
    add("rmsprop_skip", "RmsProp", {"lr": 0.01, "momentum": 0.9}, skip_steps=(0, 9, 10))
    add_two_groups("rmsprop_two_groups", "RmsProp", {"lr": 0.01}, {"lr": 0.002, "centered": True})

    add("adagrad", "Adagrad", {"lr": 0.1})
    add("adagrad_lr_decay", "Adagrad", {"lr": 0.1, "lrDecay": 0.05})
    add("adagrad_initial_accumulator", "Adagrad", {"lr": 0.1, "initialAccumulatorValue": 0.5})
    add("adagrad_weight_decay_eps", "Adagrad", {"lr": 0.1, "weightDecay": 0.1, "eps": 1e-4})
    add("adagrad_maximize", "Adagrad", {"lr": 0.1, "maximize": True})
    add("adagrad_skip", "Adagrad", {"lr": 0.1, "lrDecay": 0.01}, skip_steps=(2, 3, 18))
    add_two_groups("adagrad_two_groups", "Adagrad", {"lr": 0.1}, {"lr": 0.3, "lrDecay": 0.1})
    return cases


def schedule_case(name, schedule, args, base_lrs, steps=40, metrics=None, build=None):
    params = [torch.zeros(1, requires_grad=True) for _ in base_lrs]
    opt = SGD([{"params": [p], "lr": lr} for p, lr in zip(params, base_lrs)], lr=base_lrs[0])
    s = build(opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for step in range(steps):
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[step])
        lrs.append([g["lr"] for g in opt.param_groups])
    case = {"name": name, "schedule": schedule, "args": args, "baseLrs": base_lrs, "lrs": lrs}
    if metrics is not None:
        case["metrics"] = metrics
    return case


def linear_lr(opt, start_factor, warmup_steps):
    return sched.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup_steps)


def schedule_cases():
    cases = []
    add = cases.append
    add(schedule_case("step", "StepLr", {"stepSize": 7, "gamma": 0.5}, [0.1, 0.03],
                      build=lambda o: sched.StepLR(o, step_size=7, gamma=0.5)))
    add(schedule_case("multi_step", "MultiStepLr", {"milestones": [3, 10, 11, 25], "gamma": 0.3}, [0.2],
                      build=lambda o: sched.MultiStepLR(o, milestones=[3, 10, 11, 25], gamma=0.3)))
    add(schedule_case("exponential", "ExponentialLr", {"gamma": 0.93}, [0.1, 1.0],
                      build=lambda o: sched.ExponentialLR(o, gamma=0.93)))
    add(schedule_case("cosine", "CosineAnnealingLr", {"tMax": 15, "etaMin": 0.001}, [0.1, 0.05], steps=50,
                      build=lambda o: sched.CosineAnnealingLR(o, T_max=15, eta_min=0.001)))
    add(schedule_case("cosine_zero_min", "CosineAnnealingLr", {"tMax": 32, "etaMin": 0.0}, [0.5],
                      build=lambda o: sched.CosineAnnealingLR(o, T_max=32)))
    add(schedule_case("warmup", "LinearWarmup", {"warmupSteps": 8, "startFactor": 0.1}, [0.1, 0.02],
                      build=lambda o: linear_lr(o, 0.1, 8)))

    def warmup_cosine(o):
        first = linear_lr(o, 0.01, 5)
        then = sched.CosineAnnealingLR(o, T_max=30, eta_min=1e-4)
        return sched.SequentialLR(o, [first, then], milestones=[5])
    add(schedule_case("warmup_cosine", "LinearWarmup",
                      {"warmupSteps": 5, "startFactor": 0.01,
                       "then": {"schedule": "CosineAnnealingLr", "args": {"tMax": 30, "etaMin": 1e-4}}},
                      [0.1, 0.3], build=warmup_cosine))

    def warmup_step(o):
        first = linear_lr(o, 0.25, 4)
        then = sched.StepLR(o, step_size=10, gamma=0.5)
        return sched.SequentialLR(o, [first, then], milestones=[4])
    add(schedule_case("warmup_step", "LinearWarmup",
                      {"warmupSteps": 4, "startFactor": 0.25,
                       "then": {"schedule": "StepLr", "args": {"stepSize": 10, "gamma": 0.5}}},
                      [0.1], build=warmup_step))

    metrics = [1.0, 0.9, 0.8, 0.8, 0.81, 0.79, 0.85, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69, 0.6999,
               0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4,
               0.4, 0.4, 0.4, 0.4, 0.4]
    add(schedule_case("plateau_min", "ReduceLrOnPlateau", {"patience": 2}, [0.1, 0.01],
                      steps=len(metrics), metrics=metrics,
                      build=lambda o: sched.ReduceLROnPlateau(o, patience=2)))
    add(schedule_case("plateau_min_abs_cooldown", "ReduceLrOnPlateau",
                      {"patience": 1, "factor": 0.5, "threshold": 0.05, "thresholdMode": "abs",
                       "cooldown": 2, "minLr": 0.02}, [0.1, 0.5],
                      steps=len(metrics), metrics=metrics,
                      build=lambda o: sched.ReduceLROnPlateau(o, patience=1, factor=0.5, threshold=0.05,
                                                              threshold_mode="abs", cooldown=2, min_lr=0.02)))
    rising = [1.0 - m for m in metrics]  # an accuracy-like metric that plateaus
    add(schedule_case("plateau_max", "ReduceLrOnPlateau",
                      {"mode": "max", "patience": 3, "factor": 0.2}, [0.1],
                      steps=len(rising), metrics=rising,
                      build=lambda o: sched.ReduceLROnPlateau(o, mode="max", patience=3, factor=0.2)))
    return cases


def clip_cases():
    cases = []
    gen = torch.Generator().manual_seed(7)
    shapes = [[4, 5], [3], [2, 3]]
    for i, (norm_type, max_norm) in enumerate([(2.0, 1.0), (2.0, 100.0), (1.0, 2.5), (3.0, 0.5),
                                               (math.inf, 0.3), (math.inf, 50.0)]):
        grads = [torch.randn(s, generator=gen) * (i + 1) for s in shapes]
        params = [torch.zeros(s, requires_grad=True) for s in shapes]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        # The third parameter has no gradient in every other case: it must be ignored.
        if i % 2 == 1:
            params[2].grad = None
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite=True)
        cases.append({
            "name": "norm_%s_%s" % ("inf" if math.isinf(norm_type) else int(norm_type), i),
            "normType": "inf" if math.isinf(norm_type) else norm_type,
            "maxNorm": max_norm,
            "shapes": shapes,
            "grads": [flat(g) if p.grad is not None else None for p, g in zip(params, grads)],
            "totalNorm": float(total),
            "clipped": [None if p.grad is None else flat(p.grad) for p in params],
        })
    grads = [torch.randn(s, generator=gen) for s in shapes]
    params = [torch.zeros(s, requires_grad=True) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(params, 0.7)
    cases.append({
        "name": "value",
        "clipValue": 0.7,
        "shapes": shapes,
        "grads": [flat(g) for g in grads],
        "clipped": [flat(p.grad) for p in params],
    })
    return cases


def main():
    # SequentialLR steps its second schedule with an explicit epoch, which PyTorch warns about.
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    data = {
        "generator": "tools/fixtures_optim.py",
        "torch": torch.__version__,
        "steps": STEPS,
        "optimizers": optimizer_cases(),
        "schedules": schedule_cases(),
        "clip": clip_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # One case per line: diffs stay readable when a case changes.
    with open(OUT, "w") as f:
        f.write("{\n")
        keys = list(data)
        for k, key in enumerate(keys):
            value = data[key]
            f.write(" %s: " % json.dumps(key))
            if isinstance(value, list):
                f.write("[\n")
                f.write(",\n".join("  " + json.dumps(case, separators=(",", ":")) for case in value))
                f.write("\n ]")
            else:
                f.write(json.dumps(value))
            f.write(",\n" if k < len(keys) - 1 else "\n")
        f.write("}\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
