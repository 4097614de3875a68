#!/usr/bin/env python3
"""Loss-kernel fixtures for swift-bert: PyTorch's losses and their gradients.

Writes Tests/Fixtures/losses/losses.safetensors: seeded float32 cases for

  cross-entropy   torch.nn.functional.cross_entropy(logits, labels, weight=w,
                  ignore_index=-100, reduction='mean'), w optional
  BCE-with-logits torch.nn.functional.binary_cross_entropy_with_logits(logits, targets,
                  reduction='mean') (no weight, no pos_weight)

Each case NAME stores (all float32 unless noted):

  NAME.logits    [rows, classes]
  NAME.labels    int64 [rows], class ids or -100 (cross-entropy cases)
  NAME.weight    [classes], the class weights (weighted cross-entropy cases only)
  NAME.targets   [rows, classes], float targets in [0, 1] (BCE cases)
  NAME.loss      [1], the loss (nan where PyTorch gives nan)
  NAME.dloss     [1], the gradient fed to backward: loss.backward(dloss)
  NAME.dlogits   [rows, classes], d(dloss * loss) / d logits

Cases (the `cases` metadata lists each one's kind and shape):

  ce_plain          no weight, no ignored row (what CrossEntropy's original API computes)
  ce_ignore         no weight, 3 of 11 rows ignored (token classification: -100 labels)
  ce_weighted       class weights with one weight 0 and 2 ignored rows; one row's target
                    is the zero-weight class
  ce_large          logits at +-80 and beyond, weighted, 1 ignored row
  ce_all_ignored    every label -100: PyTorch's mean is 0/0 = nan, dlogits all 0
  ce_zero_weight    weighted, every counted row's target has weight 0: loss nan, and the
                    counted rows' dlogits are nan (0 * -inf in nll_loss backward)
  bce_multi_hot     multi-hot targets, one all-zero row and one all-one row
  bce_soft          soft targets in [0, 1]
  bce_large         logits at +-80, +-20, 0 and a few ordinary values

    /work/venv/bin/python Tools/reference/make_loss_fixtures.py
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_common as fc  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

OUT = os.path.join(fc.FIXTURES, "losses", "losses.safetensors")
SEED = 7100
IGNORE = -100


def labels_with(g, rows, classes, ignored=(), forced=None):
    labels = torch.randint(0, classes, (rows,), generator=g)
    for r, c in (forced or {}).items():
        labels[r] = c
    for r in ignored:
        labels[r] = IGNORE
    return labels


def cross_entropy_case(logits, labels, weight, dloss):
    x = logits.clone().requires_grad_(True)
    loss = F.cross_entropy(x, labels, weight=weight, ignore_index=IGNORE, reduction="mean")
    loss.backward(torch.tensor(dloss, dtype=torch.float32))
    out = {"logits": logits, "labels": labels, "loss": loss.detach().reshape(1),
           "dloss": torch.tensor([dloss], dtype=torch.float32), "dlogits": x.grad.detach()}
    if weight is not None:
        out["weight"] = weight
    return out


def bce_case(logits, targets, dloss):
    x = logits.clone().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(x, targets, reduction="mean")
    loss.backward(torch.tensor(dloss, dtype=torch.float32))
    return {"logits": logits, "targets": targets, "loss": loss.detach().reshape(1),
            "dloss": torch.tensor([dloss], dtype=torch.float32), "dlogits": x.grad.detach()}


def make_cases():
    g = torch.Generator().manual_seed(SEED)
    cases = {}

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g) * scale).float()

    cases["ce_plain"] = cross_entropy_case(randn(7, 3, scale=2), labels_with(g, 7, 3), None, 1.0)
    cases["ce_ignore"] = cross_entropy_case(
        randn(11, 4, scale=2), labels_with(g, 11, 4, ignored=(0, 5, 10)), None, 0.5)
    weight = (torch.rand(5, generator=g) * 1.8 + 0.2).float()
    weight[3] = 0.0
    cases["ce_weighted"] = cross_entropy_case(
        randn(9, 5, scale=2), labels_with(g, 9, 5, ignored=(2, 7), forced={4: 3, 6: 1}), weight, 1.0)
    large = randn(6, 4, scale=30)
    large[0] = torch.tensor([80.0, -80.0, 0.0, 79.5])
    large[1] = torch.tensor([-80.0, -80.0, -80.0, 80.0])
    large[2] = torch.tensor([-80.0, 80.0, 80.0, -80.0])
    large[3] = torch.tensor([120.0, -120.0, 3.0, -3.0])
    cases["ce_large"] = cross_entropy_case(
        large, labels_with(g, 6, 4, ignored=(5,), forced={0: 1, 1: 3, 2: 0, 3: 1}),
        torch.tensor([1.0, 0.5, 2.0, 1.5]), 1.0)
    cases["ce_all_ignored"] = cross_entropy_case(
        randn(4, 3), torch.full((4,), IGNORE, dtype=torch.int64), None, 1.0)
    cases["ce_zero_weight"] = cross_entropy_case(
        randn(5, 3), torch.tensor([0, IGNORE, 0, 2, 0]), torch.tensor([0.0, 1.0, 0.0]), 1.0)

    multi_hot = (torch.rand(6, 4, generator=g) < 0.4).float()
    multi_hot[1] = 0.0
    multi_hot[4] = 1.0
    cases["bce_multi_hot"] = bce_case(randn(6, 4, scale=2), multi_hot, 1.0)
    cases["bce_soft"] = bce_case(randn(5, 3, scale=3), torch.rand(5, 3, generator=g).float(), 0.5)
    large = torch.tensor([[80.0, -80.0, 20.0, -20.0], [0.0, 80.0, -80.0, 1.5],
                          [-0.25, 79.0, -79.0, 17.0]])
    cases["bce_large"] = bce_case(large, torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0],
                                                        [0.5, 1.0, 0.0, 0.25]]), 1.0)
    return cases


def check(cases):
    """Cross-check PyTorch's float32 results against float64 and against the documented formulas."""
    for name, c in cases.items():
        x64 = c["logits"].double().requires_grad_(True)
        if name.startswith("ce_"):
            w = c.get("weight")
            loss64 = F.cross_entropy(x64, c["labels"], weight=None if w is None else w.double(),
                                     ignore_index=IGNORE)
        else:
            loss64 = F.binary_cross_entropy_with_logits(x64, c["targets"].double())
        loss64.backward(torch.tensor(float(c["dloss"]), dtype=torch.float64))
        loss64, loss = loss64.detach(), float(c["loss"])
        if math.isnan(float(loss64)):
            assert math.isnan(loss), name
        else:
            assert abs(loss - float(loss64)) <= 1e-6 * max(1.0, abs(float(loss64))), (name, loss, float(loss64))
        same_nan = torch.equal(torch.isnan(c["dlogits"]), torch.isnan(x64.grad))
        finite = ~torch.isnan(x64.grad)
        diff = float((c["dlogits"].double()[finite] - x64.grad[finite]).abs().max()) if finite.any() else 0.0
        assert same_nan and diff < 1e-6, (name, diff)
    assert math.isnan(float(cases["ce_all_ignored"]["loss"]))
    assert torch.equal(cases["ce_all_ignored"]["dlogits"], torch.zeros(4, 3))
    zw = cases["ce_zero_weight"]
    assert math.isnan(float(zw["loss"])) and torch.isnan(zw["dlogits"][[0, 2, 3, 4]]).all()
    assert torch.equal(zw["dlogits"][1], torch.zeros(3))
    # The documented BCE formula (Loss.cpp): (1 - y) * x - log_sigmoid(x), log_sigmoid(x) =
    # min(x, 0) - log1p(exp(-|x|)); backward (sigmoid(x) - y) * dloss / numel.
    for name in ("bce_multi_hot", "bce_soft", "bce_large"):
        c = cases[name]
        x, y = c["logits"], c["targets"]
        elementwise = (1 - y) * x - (torch.minimum(x, torch.zeros(())) - torch.log1p(torch.exp(-x.abs())))
        assert abs(float(elementwise.double().mean()) - float(c["loss"])) <= 1e-6 * float(c["loss"]), name
        grad = (torch.sigmoid(x) - y) * c["dloss"] / x.numel()
        assert float((grad - c["dlogits"]).abs().max()) <= 1e-7, name


def main():
    fc.seed_everything(SEED)
    cases = make_cases()
    check(cases)
    tensors = {f"{name}.{key}": t.contiguous() for name, c in cases.items() for key, t in c.items()}
    meta = fc.header(
        __file__, "losses/losses", seed=SEED, ignore_index=IGNORE, torch_threads=torch.get_num_threads(),
        calls={"ce": "F.cross_entropy(logits, labels, weight=weight or None, ignore_index=-100, "
                     "reduction='mean'); loss.backward(dloss)",
               "bce": "F.binary_cross_entropy_with_logits(logits, targets, reduction='mean'); "
                      "loss.backward(dloss)"},
        cases={name: {"kind": "cross_entropy" if name.startswith("ce_") else "bce_with_logits",
                      "shape": list(c["logits"].shape), "weighted": "weight" in c,
                      "loss": None if math.isnan(float(c["loss"])) else float(c["loss"]),
                      "dloss": float(c["dloss"])}
               for name, c in cases.items()},
        tensors={"NAME.logits": "float32 [rows, classes]", "NAME.labels": "int64 [rows] (ce)",
                 "NAME.weight": "float32 [classes] (weighted ce)", "NAME.targets": "float32 [rows, classes] (bce)",
                 "NAME.loss": "float32 [1]", "NAME.dloss": "float32 [1]",
                 "NAME.dlogits": "float32 [rows, classes]"},
    )
    fc.ensure_dir(os.path.dirname(OUT))
    fc.save_safetensors(tensors, OUT, meta)

    # Read back.
    with safe_open(OUT, "pt") as f:
        stored_meta = f.metadata()
    assert stored_meta["format"] == fc.FORMAT and stored_meta["version"] == str(fc.VERSION)
    back = load_file(OUT)
    assert sorted(back) == sorted(tensors)
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype and torch.equal(torch.nan_to_num(back[k]), torch.nan_to_num(t)), k
        assert torch.equal(torch.isnan(back[k]), torch.isnan(t)) if t.is_floating_point() else True, k
    for name, c in cases.items():
        print(f"{name}: shape {list(c['logits'].shape)}, loss {float(c['loss']):.7g}, dloss {float(c['dloss'])}")
    print(f"verified {fc.rel(OUT)}: {os.path.getsize(OUT)} bytes, {len(back)} tensors")


if __name__ == "__main__":
    main()
