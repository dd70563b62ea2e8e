"""While stepper listens, `Tensor.grad` is a stand-in that hears `p.grad = None`; code that inspects the
attribute must still find what torch's own one has.

torch 2.11's dynamo, when first imported (by the first optimizer a script makes), reads the getter of
every attribute in `torch.overrides.get_default_nowrap_functions()` — `Tensor.grad.__get__` among them —
as `fn.__self__.__objclass__` and `fn.__self__.__name__`. A plain property has neither, and on a GPU
machine with torch 2.11 every script with an optimizer stopped there with an AttributeError."""

from __future__ import annotations

import types

import torch

from stepper.engine.hooks import TorchHooks


def test_the_grad_stand_in_answers_what_torchs_own_attribute_answers():
    real = torch.Tensor.grad
    hooks = TorchHooks()
    hooks.install()
    try:
        assert torch.Tensor.grad is not real  # (the stand-in is in place)
        getters = [fn for fn in torch.overrides.get_default_nowrap_functions() if fn.__name__ == "__get__"]
        found = {}
        for fn in getters:
            assert isinstance(fn, types.MethodWrapperType)
            found[fn.__self__.__name__] = fn.__self__.__objclass__  # (what torch 2.11 reads)
        assert found["grad"] is torch._C.TensorBase
        t = torch.ones(2, requires_grad=True)
        (t * 3).sum().backward()
        assert t.grad.tolist() == [3.0, 3.0]  # reading still works through it
    finally:
        hooks.uninstall()
    assert torch.Tensor.grad is real
