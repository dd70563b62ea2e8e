"""The exact pauses of every training style issue 2 names: which phases each pause reports, in order,
and which line of the script it points at.

Each expected run is written as the list of pauses a learner would see: (phases, the line just run).
"""

from __future__ import annotations

import pytest
from engine_helpers import line_of, phases_of, run_script, run_session, script_path

from stepper.engine.watch import ParamWatch

F, L, Z, B, S = "forward", "loss", "zero_grad", "backward", "step"


def canonical(name: str, epochs: int) -> list[tuple[tuple[str, ...], str]]:
    one = [
        ((F,), "preds = model(x)"),
        ((L,), "loss = loss_fn(preds, y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    return one * epochs


def accumulation() -> list[tuple[tuple[str, ...], str]]:
    micro = [
        ((F,), "preds = model(chunks_x[i])"),
        ((L,), "loss = loss_fn(preds, chunks_y[i]) / accumulate"),
        ((B,), "loss.backward()"),
    ]
    update = [((S,), "optimizer.step()"), ((Z,), ("optimizer.zero_grad()", 1))]
    one_update = micro + micro + update
    # The zero_grad before the loop counts even though there is nothing to clear yet.
    return [((Z,), ("optimizer.zero_grad()", 0))] + one_update * 4


LBFGS_LOSS = "loss = loss_fn(model(x), y)"

EXPECTED = {
    # (a) the canonical five lines
    "module_optimizer.py": canonical("module_optimizer.py", 3),
    # (b) raw leaf tensors; the two-line update is one step, the two `p.grad = None` lines one zero_grad
    "raw_tensors.py": [
        ((F,), "preds = x @ w + b"),
        ((L,), "loss = ((preds - y) ** 2).mean()"),
        ((B,), "loss.backward()"),
        ((S,), "b -= lr * b.grad"),
        ((Z,), "b.grad = None"),
    ]
    * 3,
    # (c) model.zero_grad() first (counted on the first iteration too), an update loop over parameters()
    "sequential_manual.py": [
        ((Z,), "model.zero_grad()"),
        ((F,), "preds = model(x)"),
        ((L,), "loss = loss_fn(preds, y)"),
        ((B,), "loss.backward()"),
        ((S,), "p -= lr * p.grad"),
    ]
    * 3,
    # (d) functional loss, zero_grad(set_to_none=False), SGD with momentum
    "functional_momentum.py": [
        ((Z,), "optimizer.zero_grad(set_to_none=False)"),
        ((F,), "logits = model(x)"),
        ((L,), "loss = F.cross_entropy(logits, labels)"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 3,
    # (e) forward and loss on one line, inside train()
    "train_function.py": [
        ((F, L), "loss = loss_fn(model(x), y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 3,
    # (f) two epochs of two minibatches; never a pause inside TinyNet.forward
    "dataloader_adam.py": [
        ((Z,), "optimizer.zero_grad()"),
        ((F,), "out = model(xb)"),
        ((L,), "loss = loss_fn(out, yb)"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 4,
    # (g) two backward passes per update; `loss / accumulate` is the same loss, not a second one
    "accumulation_scheduler.py": accumulation(),
    # (h) the loss overflows, but every phase still pauses
    "diverging.py": canonical("diverging.py", 6),
    # tutorial variant: updates and clearing through `.data`
    "data_attribute_update.py": [
        ((F,), "y_pred = x * w + b"),
        ((L,), "loss = (y_pred - y).pow(2).sum()"),
        ((B,), "loss.backward()"),
        ((S,), "b.data -= learning_rate * b.grad.data"),
        ((Z,), "b.grad.data.zero_()"),
    ]
    * 3,
    # tutorial variant: a model that is a plain function, a hand-written MSE; update, then clearing
    "function_model.py": [
        ((F,), "pred = model(x)"),
        ((L,), "loss = ((pred - y) ** 2).mean()"),
        ((B,), "loss.backward()"),
        ((S,), "bias -= 0.1 * bias.grad"),
        ((Z,), "bias.grad.zero_()"),
    ]
    * 3,
    # d2l: `l` is a vector of per-example losses, the scalar loss is made on the backward line, and
    # sgd() updates and clears each parameter in turn inside one loop: one pause at its call.
    "d2l_sgd.py": [
        ((F,), "l = loss(net(X, w, b), y)"),
        ((L, B), "l.sum().backward()"),
        ((S, Z), "sgd([w, b], lr, batch_size)"),
    ]
    * 4,
    # backward through the function form
    "autograd_backward.py": [
        ((F,), "preds = model(x)"),
        ((L,), "loss = F.mse_loss(preds, y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "torch.autograd.backward(loss)"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # a forward written inline over two lines: it completes when the predictions exist (the hidden
    # layer alone is not the model's output), so the one forward pause is at `preds = ...`
    "inline_mlp.py": [
        ((F,), "preds = hidden @ w2"),
        ((L,), "loss = ((preds - y) ** 2).mean()"),
        ((B,), "loss.backward()"),
        ((S,), "w2 -= 0.01 * w2.grad"),
        ((Z,), "w2.grad = None"),
    ]
    * 2,
    # forward + loss come back from a helper (one pause at its call); update() holds the backward,
    # so its own lines pause like any training loop's
    "helper_functions.py": [
        ((F, L), "loss = compute_loss(model, x, y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # statements spread over several lines pause once, naming their first line
    "multiline_calls.py": [
        ((F,), "logits = model("),
        ((L,), "loss = F.cross_entropy("),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # an update that makes new tensors and rebinds the names: the learner's parameters still
    # changed outside autograd, so it is a step (one pause for the two lines)
    "rebinding_update.py": [
        ((F,), "preds = x @ w + b"),
        ((L,), "loss = ((preds - y) ** 2).mean()"),
        ((B,), "loss.backward()"),
        ((S,), "b = b - lr * b.grad"),
    ]
    * 3,
    # pickles its own class after training (works with `python`, so must work under stepper)
    "save_whole_model.py": [
        ((F,), "preds = model(x)"),
        ((L,), "loss = nn.functional.mse_loss(preds, y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # the loop is a method; model and optimizer are attributes of self
    "trainer_class.py": [
        ((F,), "preds = self.model(x)"),
        ((L,), "loss = F.mse_loss(preds, y)"),
        ((Z,), "self.optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "self.optimizer.step()"),
    ]
    * 2,
    # fast.ai book: the update loop changes .data and zeroes each .grad in turn: one pause
    "fastbook_style.py": [
        ((F,), "preds = model(xb)"),
        ((L,), "loss = ((preds - yb) ** 2).mean()"),
        ((B,), "loss.backward()"),
        ((S, Z), "p.grad.zero_()"),
    ]
    * 2,
    # LBFGS calls a closure from inside step(): the closure's lines pause as they run
    "lbfgs_closure.py": [
        ((Z,), "optimizer.zero_grad()"),
        ((F, L), "loss = loss_fn(model(x), y)"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step(closure)"),
    ]
    * 2,
    # LBFGS iterating inside step(): it moves the parameters between its calls of the closure, but
    # the script asked for one update: one step per step() call, said as it returns, and each call of
    # the closure pauses as it runs (the parameters it shows are where LBFGS has got to)
    "lbfgs_iterations.py": (
        [((Z,), "optimizer.zero_grad()"), ((F, L), LBFGS_LOSS), ((B,), "loss.backward()")] * 3
        + [((S,), "optimizer.step(closure)")]
    )
    * 2,
    # a step that raises, caught by the script: the loop goes on pausing (stepper stops tracing inside
    # torch's calls and must switch it back on even when one of them fails)
    "step_error_caught.py": [
        ((F,), "preds = model(x)"),
        ((L,), "loss = loss_fn(preds, y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
    ]
    * 2
    + [((S,), "optimizer.step()")],
    # a functional loss backpropagated on the line that made it (its graph is freed by then)
    "functional_loss_backward.py": [
        ((Z,), "optimizer.zero_grad()"),
        ((F, L, B), "F.cross_entropy(model(x), labels).backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # the whole step in another file of the project: one pause at each call, every phase in order
    # a penalty added to the loss on its line; a running total of losses kept after backward
    "weight_penalty.py": [
        ((F,), "preds = model(x)"),
        ((L,), "loss = loss_fn(preds, y) + 0.5 * model.weight.pow(2).sum()"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 3,
    # an RNN's state carried over chunks: unpacking and detaching last chunk's state is no forward
    "rnn_hidden_state.py": [
        ((F,), "out, state = lstm(xs, state)"),
        ((L,), "loss = nn.functional.mse_loss(out, ys)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 3,
    # torch.autograd.grad returns the gradients (no .grad): still the backward, and the two-line
    # update with what it returned is the step
    "autograd_grad_update.py": [
        ((F,), "pred = x @ w + b"),
        ((L,), "loss = ((pred - y) ** 2).mean()"),
        ((B,), "gw, gb = torch.autograd.grad(loss, [w, b])"),
        ((S,), "b -= lr * gb"),
    ]
    * 3,
    # torch.func style: parameters in a dict, a new dict made by each update: followed by name
    "functional_call_update.py": [
        ((F,), "pred = functional_call(model, params, (x,))"),
        ((L,), "loss = ((pred - y) ** 2).mean()"),
        ((B,), "grads = torch.autograd.grad(loss, list(params.values()))"),
        ((S,), "params = {k: (p - lr * g).requires_grad_(True) for (k, p), g in zip(params.items(), grads)}"),
    ]
    * 3,
    # a gradient taken with create_graph=True to build the loss is not a backward
    "gradient_penalty.py": [
        ((F,), "preds = model(inputs)"),
        ((L,), "loss = nn.functional.mse_loss(preds, y) + 0.1 * (slopes.norm(dim=1) - 1).pow(2).mean()"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # a torch.compile'd model: one forward per call of the compiled model, none for its insides
    "compiled_model.py": canonical("compiled_model.py", 2),
    # a GAN: two optimizers, each step one update of one model
    "gan_two_optimizers.py": [
        ((F,), "fake = G(torch.randn(16, 2))"),
        ((F, L), "loss_d = bce(D(real), torch.ones(16, 1)) + bce(D(fake.detach()), torch.zeros(16, 1))"),
        ((Z,), "opt_d.zero_grad()"),
        ((B,), "loss_d.backward()"),
        ((S,), "opt_d.step()"),
        ((F, L), "loss_g = bce(D(fake), torch.ones(16, 1))"),
        ((Z,), "opt_g.zero_grad()"),
        ((B,), "loss_g.backward()"),
        ((S,), "opt_g.step()"),
    ]
    * 2,
    # an edit through .data after the optimizer's step (WGAN's clamp) is not part of the step
    "weight_clipping.py": [
        ((F, L), "loss = critic(fake).mean() - critic(real).mean()"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # parametrized weights (weight_norm, spectral_norm) computed, initialised and read: no forward
    "parametrized_layers.py": [
        ((F,), "logits = model(x)"),
        ((L,), "loss = nn.functional.cross_entropy(logits, labels)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # a frozen first layer: the same five phases
    "frozen_layer.py": [
        ((F,), "preds = model(x)"),
        ((L,), "loss = nn.functional.mse_loss(preds, y)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # one line completing forward, loss and backward
    "one_line_backward.py": [
        ((Z,), "optimizer.zero_grad()"),
        ((F, L, B), "loss_fn(model(x), y).backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # one example at a time with a weight of shape [1]: the loss has shape [1] and is still the loss
    "one_example_at_a_time.py": [
        ((F,), "y_pred = forward(x)"),
        ((L,), "loss = squared_error(y_pred, y)"),
        ((B,), "loss.backward()"),
        ((S,), "w.data = w.data - 0.01 * w.grad.item()"),
        ((Z,), "w.grad.data.zero_()"),
    ]
    * 3,
    # a prediction that is one number is the forward, not a loss; the loss is the line after it
    "scalar_prediction.py": [
        ((F,), "y_pred = w * x + b"),
        ((L,), "loss = (y_pred - y) ** 2"),
        ((B,), "loss.backward()"),
        ((S,), "b -= 0.01 * b.grad"),
        ((Z,), "b.grad.zero_()"),
    ]
    * 3,
    # ...and so is one a function of the script returns, bound to a name at its call
    "scalar_prediction_helper.py": [
        ((F,), "y_pred = forward(x)"),
        ((L,), "loss = (y_pred - y) ** 2"),
        ((B,), "loss.backward()"),
        ((S,), "w.data = w.data - 0.01 * w.grad.item()"),
        ((Z,), "w.grad.data.zero_()"),
    ]
    * 3,
    # a loss module with reduction="none" is part of the loss (the weighted mean), not a second forward
    "per_example_loss.py": [
        ((Z,), "optimizer.zero_grad()"),
        ((F,), "out = model(x)"),
        ((L,), "loss = (per_example * weights).mean()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # two optimizers (encoder, decoder) stepping one after the other from one backward: one update,
    # paused after the last of them (a scheduler's step after them is no more of it)
    "encoder_decoder_optimizers.py": [
        ((Z,), "decoder_optimizer.zero_grad()"),
        ((F,), "code = encoder(x)"),
        ((F, L), "loss = nn.functional.mse_loss(decoder(code), y)"),
        ((B,), "loss.backward()"),
        ((S,), "decoder_optimizer.step()"),
    ]
    * 3,
    # a policy's log-probabilities (shape [1] each) are no losses: the loss is the one made from them
    "policy_gradient.py": (
        [((F,), "probs = policy(state)")] * 3
        + [
            ((Z,), "optimizer.zero_grad()"),
            ((L,), "loss = torch.cat(terms).sum()"),
            ((B,), "loss.backward()"),
            ((S,), "optimizer.step()"),
        ]
    )
    * 2,
    # a model returning (reconstruction, mu, logvar): one forward, the reconstruction its predictions
    "vae.py": [
        ((F,), "recon, mu, logvar = model(images)"),
        ((L,), "loss = loss_function(recon, images, mu, logvar)"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # a loss statement over several lines pauses once, at its first line, when all of it has run
    "loss_over_several_lines.py": [
        ((Z,), "optimizer.zero_grad()"),
        ((F,), "logits = model(x)"),
        ((L,), "loss = ("),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    * 2,
    # models that return their loss with their predictions (nanoGPT, Hugging Face), or a dataclass,
    # or only their loss: each forward pauses at its call, with the loss when the model made it
    "losses_inside_models.py": [
        ((F, L), "logits, loss = gpt(x, labels)"),
        ((Z,), ("opt.zero_grad()", 0)),
        ((B,), ("loss.backward()", 0)),
        ((S,), ("opt.step()", 0)),
        ((F, L), "outputs = hf(x, labels)"),
        ((Z,), ("opt.zero_grad()", 1)),
        ((B,), ("loss.backward()", 1)),
        ((S,), ("opt.step()", 1)),
        ((F,), "out = reg(x)"),
        ((Z,), ("opt.zero_grad()", 2)),
        ((L,), "loss = F.mse_loss(out.pred, y)"),
        ((B,), ("loss.backward()", 2)),
        ((S,), ("opt.step()", 2)),
        ((F, L), "loss = scoring(x, y)"),
        ((Z,), ("opt.zero_grad()", 3)),
        ((B,), ("loss.backward()", 3)),
        ((S,), ("opt.step()", 3)),
        ((F,), "evaluated = hf(x, labels)"),
    ],
    # a comprehension over a DataLoader (its Python iterator ends the comprehension with
    # StopIteration, which is no exception leaving it): its forwards pause at its line
    "comprehension_over_dataloader.py": [
        ((F,), "preds = [model(xb) for xb, yb in loader]"),
        ((L,), "loss = torch.nn.functional.mse_loss(torch.cat(preds), data.tensors[1])"),
        ((Z,), "optimizer.zero_grad()"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
        ((F,), "checked = [model(xb) for xb, yb in loader]"),
    ]
    * 2,
    # comprehensions: each pauses once, when its statement has run (on Python 3.12 their rounds run
    # in the loop's own frame, each reporting the line again)
    "comprehensions_in_loop.py": [
        ((F, L), "losses = [loss_fn(model(xb), yb) for xb, yb in batches]"),
        ((Z,), ("optimizer.zero_grad()", 0)),
        ((B,), ("loss.backward()", 0)),
        ((S,), ("optimizer.step()", 0)),
    ]
    * 2
    + [
        ((F,), 'pred = x @ params["w"] + params["b"]'),
        ((L,), "by_hand = ((pred - y) ** 2).mean()"),
        ((B,), "grads = torch.autograd.grad(by_hand, list(params.values()))"),
        ((S,), "params = {k: (p - 0.1 * g).detach().requires_grad_() for (k, p), g in pairs}"),
    ]
    * 2
    + [
        ((F, L), "loss = loss_fn(model(x), y) * scale"),
        ((Z,), ("optimizer.zero_grad()", 1)),
        ((B,), ("loss.backward()", 1)),
        ((S,), ("optimizer.step()", 1)),
    ]
    * 4,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_phase_sequence(name):
    session = run_script(name)
    assert session.end.status == "ok", session.end
    assert phases_of(session) == [phases for phases, _ in EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_pause_points_at_the_line_just_run(name):
    session = run_script(name)
    expected = []
    for _, text in EXPECTED[name]:
        # a line written twice in the script is given as (text, which occurrence)
        text, nth = text if isinstance(text, tuple) else (text, None)
        expected.append((line_of(name, text, nth), text))
    actual = [(snapshot.line, snapshot.code) for snapshot in session.history]
    assert actual == expected


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_step_counts_updates_including_the_one_reported(name):
    session = run_script(name)
    updates = 0
    for snapshot in session.history:
        updates += "step" in snapshot.phases
        assert snapshot.step == updates, snapshot
        assert snapshot.file == str(session.source.path)
    assert session.end.steps == updates


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pauses_are_numbered_in_order(name):
    session = run_script(name)
    assert [snapshot.index for snapshot in session.history] == list(range(len(session.history)))


def test_no_pause_inside_a_models_own_forward():
    # TinyNet.forward calls two modules over three lines; the learner pauses only at the call site.
    session = run_script("dataloader_adam.py")
    forward_lines = {line_of("dataloader_adam.py", text) for text in (
        "h = self.hidden(x)", "h = torch.tanh(h)", "return self.out(h)",
    )}  # fmt: skip
    assert session.history, "expected pauses"
    assert not forward_lines & {snapshot.line for snapshot in session.history}
    # ... and each minibatch's model call is one forward, not one per inner module.
    assert sum(snapshot.phases.count("forward") for snapshot in session.history) == 4


def test_no_pause_inside_a_model_written_as_a_function():
    session = run_script("function_model.py")
    inner = {line_of("function_model.py", "hidden = inputs @ weights"),
             line_of("function_model.py", "return hidden + bias")}  # fmt: skip
    assert not inner & {snapshot.line for snapshot in session.history}


def test_scheduler_step_is_not_a_parameter_update():
    session = run_script("accumulation_scheduler.py")
    assert session.end.steps == 4
    scheduler_line = line_of("accumulation_scheduler.py", "scheduler.step()")
    assert scheduler_line not in {snapshot.line for snapshot in session.history}


def test_script_classes_can_be_pickled_as_under_python():
    session = run_script("save_whole_model.py")
    assert session.end.error is None, session.end.error
    printed = "".join(text for stream, text in session.output if stream == "stdout")
    assert "restored a Net" in printed


@pytest.mark.parametrize(("name", "updates", "copies"), [
    ("raw_tensors.py", 3, 2),  # `w -= ...` and `b -= ...`: each copied before its first run only
    ("sequential_manual.py", 3, 1),  # `for p in model.parameters(): p -= ...`: one line, once
    ("data_attribute_update.py", 3, 6),  # `.data -= ...`: no counter sees it, so copied every time
    ("module_optimizer.py", 3, 0),  # optimizer.step(): its hook says what changed
])  # fmt: skip
def test_parameters_are_copied_before_an_update_line_only_while_counters_have_not_seen_it(
    monkeypatch, name, updates, copies
):
    """Before a hand-written update line the tracer copies (samples of) every parameter, to catch an
    update through `.data`, which no version counter sees. Once a line's update moved the counters,
    they are enough for it: a `for p in params` update no longer copies every parameter per line."""
    taken = []
    original = ParamWatch.fingerprints

    def fingerprints(self):
        taken.append(1)
        return original(self)

    monkeypatch.setattr(ParamWatch, "fingerprints", fingerprints)
    session = run_session(script_path(name))
    assert sum("step" in snapshot.phases for snapshot in session.history) == updates
    assert len(taken) == copies


def test_the_loss_shown_is_the_whole_loss_optimised_not_its_first_term_or_a_running_total():
    session = run_script("weight_penalty.py")
    printed = [float(line) for stream, text in session.output for line in text.split()]
    assert len(printed) == 3
    shown = [s.loss for s in session.history if s.phases == (L,)]
    assert shown == printed
    # ...and it stays the loss through backward and step (the running total never replaces it).
    assert [s.loss for s in session.history if s.phases == (S,)] == printed


@pytest.mark.parametrize("name", ["one_example_at_a_time.py", "scalar_prediction.py", "per_example_loss.py",
                                  "loss_over_several_lines.py"])  # fmt: skip
def test_the_loss_shown_at_the_loss_pause_is_the_one_backpropagated(name):
    # (At the backward the loss is the tensor backpropagated: the loss pause must already show it, not
    # a prediction, a first term or nothing.)
    session = run_script(name)
    at_loss = [s.loss for s in session.history if s.phases == (L,)]
    at_backward = [s.loss for s in session.history if s.phases == (B,)]
    assert at_loss == at_backward
    assert all(value is not None and value > 0 for value in at_loss)


def test_a_frozen_layer_is_shown_and_stays_as_it_was():
    history = run_script("frozen_layer.py").history
    names = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    assert all(list(snapshot.params) == names for snapshot in history)
    first, last = history[0], history[-1]
    assert first.params["model.0.weight"] == last.params["model.0.weight"]  # frozen: never moved
    assert first.params["model.2.weight"] != last.params["model.2.weight"]
    assert last.grads["model.0.weight"] is None and last.grads["model.2.weight"] is not None


def test_parameters_held_in_a_dict_are_named_by_key_and_followed_through_updates():
    history = run_script("functional_call_update.py").history
    # (The model's own parameters, only a template here, are shown too, unchanged.)
    assert all({"params['weight']", "params['bias']", "model.weight"} <= set(s.params) for s in history)
    steps = [i for i, s in enumerate(history) if s.phases == (S,)]
    for i in steps:  # each update moved the parameters shown under the same names
        assert history[i].params["params['bias']"] != history[i - 1].params["params['bias']"]


def test_the_loss_of_a_step_is_the_one_backpropagated_not_a_validation_loss_made_after_it():
    session = run_script("val_loss_mid_step.py")
    text = "".join(text for stream, text in session.output if stream == "stdout")
    printed = [[float(v) for v in line.split()] for line in text.splitlines()]
    trained, validated = [row[0] for row in printed], [row[1] for row in printed]
    assert [s.loss for s in session.history if B in s.phases] == trained
    assert [s.loss for s in session.history if S in s.phases] == trained
    assert list(session.history[-1].loss_history) == trained
    # the validation loss is still shown at its own line
    val_line = line_of("val_loss_mid_step.py", "val_loss = loss_fn(model(x_val), y_val)")
    assert [s.loss for s in session.history if s.line == val_line] == validated


def test_a_forward_pause_says_how_the_model_ran_when_not_plain_training():
    modes = {(s.code, s.mode) for s in run_script("evaluate_properly.py").history if F in s.phases}
    assert modes == {
        ("loss = loss_fn(model(x), y)", None),  # train mode, gradients on: nothing to say
        ("val_loss = loss_fn(model(x_val), y_val)", "eval, no_grad"),
    }
    modes = {(s.code, s.mode) for s in run_script("eval_with_grad.py").history if F in s.phases}
    assert modes == {("preds = model(x)", None), ("val_preds = model(x_val)", "eval")}
    modes = {s.mode for s in run_script("eval_in_train_mode.py").history if F in s.phases}
    assert modes == {None, "no_grad"}
    # A frozen model's output has no gradient either way: whether they were on is read at its call.
    modes = {(s.code, s.mode) for s in run_script("frozen_teacher.py").history if F in s.phases}
    assert modes == {
        ("targets = teacher(x)", "eval, no_grad"),
        ("loss = nn.functional.mse_loss(student(x), targets)", None),
    }
    # ...and only at pauses with a forward
    assert all(s.mode is None for s in run_script("evaluate_properly.py").history if F not in s.phases)


def test_comprehension_variables_are_left_alone():
    # On Python 3.12, reading a frame's locals in a trace function had the interpreter write them
    # back after the next trace event, setting a running comprehension's loop variables to None:
    # the nested comprehension failed with a TypeError, and a RuntimeWarning was printed for each.
    session = run_script("comprehensions_in_loop.py")
    assert session.end.error is None, session.end.error
    printed = "".join(text for stream, text in session.output)
    assert "table [[0, 1, 2], [0, 2, 4]] keys ['b', 'w'] results 2" in printed
    assert "unbound local" not in printed


def test_a_training_step_in_a_module_of_the_project_pauses_on_its_own_lines():
    # torchvision's reference scripts call `train_one_epoch` from their own engine.py: the module's
    # lines pause as the script's do, each pause names its file, and every update is counted.
    session = run_script("step_in_module.py")
    assert session.end.status == "ok", session.end
    module = script_path("train_step_module.py")
    one = [
        ((Z,), "optimizer.zero_grad()"),
        ((F, L), "loss = F.mse_loss(model(x), y)"),
        ((B,), "loss.backward()"),
        ((S,), "optimizer.step()"),
    ]
    expected = [(phases, module, line_of("train_step_module.py", text), text) for phases, text in one * 2]
    actual = [(s.phases, s.file, s.line, s.code) for s in session.history]
    assert actual == expected
    assert session.end.steps == 2
    assert [s.step for s in session.history] == [0, 0, 0, 1, 1, 1, 1, 2]


def test_a_loss_made_inside_the_model_is_the_loss_and_its_inputs_are_no_predictions():
    session = run_script("losses_inside_models.py")
    losses = [snapshot.loss for snapshot in session.history if "backward" in snapshot.phases]
    found = [snapshot.loss for snapshot in session.history if "loss" in snapshot.phases]
    assert found == losses  # (the loss shown where it was made is the one backpropagated)
    # the predictions are the logits, not the loss the model returned first (Hugging Face)
    hf_forward = next(s for s in session.history if s.code == "outputs = hf(x, labels)")
    assert hf_forward.preds is not None and hf_forward.preds.shape == (8, 5)
    assert [w.code for s in session.history for w in s.warnings] == []
    evaluated = session.history[-1]
    assert evaluated.code == "evaluated = hf(x, labels)" and evaluated.mode == "eval, no_grad"
    assert evaluated.preds is not None and evaluated.preds.shape == (8, 5)


def test_a_model_that_returns_only_its_loss_is_given_inputs_not_predictions():
    # `model(x, y)` is given the inputs [8, 3] and the targets [8, 1]: no broadcast between them
    session = run_script("loss_only_model.py")
    assert phases_of(session) == [(F, L), (Z,), (B,), (S,)] * 2
    assert [w.code for s in session.history for w in s.warnings] == []


def test_predictions_joined_from_several_model_calls_are_compared_whole():
    # torch.cat of two halves' outputs is [40, 1] like the targets: no broadcast, whether joined on
    # the line of the calls or inside the loss; the last loss's targets [40] do broadcast.
    session = run_script("joined_predictions.py")
    assert session.end.steps == 4
    found = [(s.code, w.code) for s in session.history for w in s.warnings]
    assert found == [("loss = ((preds - y.squeeze(1)) ** 2).mean()", "shape-broadcast")]


def test_updates_in_a_loop_that_ran_untraced_are_each_counted():
    # exec() of a string (or a library's own fit()) runs the loop where no line is traced: one pause,
    # at the call, but 3 updates (it said 1).
    session = run_script("loop_in_exec.py")
    assert len(session.history) == 1 and "step" in session.history[0].phases
    assert session.history[0].step == 3 and session.end.steps == 3


def test_names_from_inside_a_method_follow_the_script_once_it_returned():
    # Inside fit() the model is `self.model_`; after `reg = Regressor().fit(...)` it is `reg.model_`.
    session = run_script("fit_method.py")
    first, last = session.history[0], session.history[-1]
    assert list(first.params) == ["self.model_.weight", "self.model_.bias"]
    assert last.code == "pred = reg.model_(x)"
    assert list(last.params) == ["reg.model_.weight", "reg.model_.bias"]


LIBRARY_LOOP = """\
def fit(module, batches, epochs):
    optimizer = module.configure_optimizers()
    for _ in range(epochs):
        for batch in batches:
            loss = module.training_step(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def fit_once(model, optimizer, x, y):
    import torch.nn.functional as F

    loss = F.mse_loss(model(x), y)  # (a loss module's hook never hears it: found at its backward)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

LIGHTNING_STYLE = """\
import sys

import torch

sys.path.insert(0, "site-packages")
import miniloop


class Lit(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(2, 1)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch):
        x, y = batch
        return torch.nn.functional.mse_loss(self(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


torch.manual_seed(0)
lit = Lit()
miniloop.fit(lit, [(torch.randn(8, 2), torch.randn(8, 1))], 3)
miniloop.fit_once(lit, lit.configure_optimizers(), torch.randn(8, 2), torch.randn(8, 1))
"""


def test_a_library_loop_calling_the_scripts_training_step_counts_each_update(tmp_path, monkeypatch):
    # Lightning's style: an installed library runs the loop (zero_grad, backward, step) and calls
    # the script's training_step. No line of the library pauses: one pause at fit(), listing the
    # phases in the loop's order, and its 3 updates (it said 1).
    (tmp_path / "site-packages").mkdir()
    (tmp_path / "site-packages" / "miniloop.py").write_text(LIBRARY_LOOP)
    (tmp_path / "train.py").write_text(LIGHTNING_STYLE)
    monkeypatch.chdir(tmp_path)
    session = run_session(str(tmp_path / "train.py"))
    assert phases_of(session) == [(F, L, Z, B, S)] * 2
    assert [s.step for s in session.history] == [3, 4]
