"""What a learner's usual PyTorch errors mean, said next to torch's own message.

torch's messages are exact but name internals (`mat1 and mat2`, `scalar type Long`); each hint says
in a sentence what in a training script usually causes it and what to change.
"""

from __future__ import annotations

import re

# torch says "two tensors' dtypes differ" in many words, one wording per operation (`mat1 and mat2
# must have the same dtype, but got Double and Float`, `expected scalar type Float but found Double`,
# `Input type (double) and bias type (float) should be the same`, `Found dtype Double but expected
# Float`); what they name is the same mistake.
_DTYPES_DIFFER = r"(?=.*(same dtype|scalar type|dtypes match|should be the same|but expected))"
_DOUBLE_AND_FLOAT = re.compile(rf"(?is)\A{_DTYPES_DIFFER}(?=.*\bdouble\b)(?=.*\bfloat\b)")
_INTEGER_AND_FLOAT = re.compile(r"(?i)same dtype, but got (long|int) and float\b")

# (a piece of torch's message or a pattern to search it for, the hint). The first that matches is used.
HINTS: tuple[tuple[str | re.Pattern[str], str], ...] = (
    (
        "all elements of target should be between 0 and 1",
        "BCELoss's targets must be probabilities in [0, 1] (0 or 1 for yes/no labels): check the "
        "labels (a class index 2, a -1 for 'no'), and use CrossEntropyLoss for more than two classes.",
    ),
    (
        "all elements of input should be between 0 and 1",
        "BCELoss takes probabilities in [0, 1], not raw scores: give the model's output to "
        "BCEWithLogitsLoss instead (it applies the sigmoid itself, without overflow), or apply "
        "torch.sigmoid first.",
    ),
    (
        "mat1 and mat2 shapes cannot be multiplied",
        "A Linear layer got inputs with a different number of features than its in_features: the last "
        "number of the first shape must equal the first number of the second. Compare the layer sizes "
        "with the data (a flattened image has channels × height × width values).",
    ),
    (
        "does not require grad and does not have a grad_fn",
        "backward found no autograd graph behind this tensor: it was computed under torch.no_grad() "
        "or torch.inference_mode(), from tensors that do not require grad, or after .detach() or "
        ".item(). Compute the training loss from the model's output with gradients on.",
    ),
    (
        "backward through the graph a second time",
        "This backward needs a graph an earlier backward already freed. Usually something from the "
        "last iteration is still part of this loss (an RNN's hidden state, a running total kept as a "
        "tensor), or one tensor feeds two losses (a GAN's `fake` without .detach() in the "
        "discriminator's loss): .detach() it, or keep loss.item(). (retain_graph=True is for a second "
        "backward that is really meant.)",
    ),
    (
        "modified by an inplace operation",
        "A tensor this backward needs was changed in place after the forward used it (`x += …`, "
        "`relu_()`, or an optimizer step between the forward and this backward). Use the out-of-place "
        "form (`x = x + …`), or run backward before changing it.",
    ),
    (
        # torch 2.13 names the target; torch 2.11 said only "expected scalar type Long but found Float".
        re.compile(r"expected target dtype to be Long|expected scalar type Long but found Float"),
        "CrossEntropyLoss and NLLLoss take class indices as integers: convert the targets with "
        "labels.long() (for probabilities per class, give targets of the predictions' shape).",
    ),
    (
        "0D or 1D target tensor expected",  # (torch: "…, multi-target not supported")
        "CrossEntropyLoss and NLLLoss take one class index per example, targets of shape [N], but "
        "these have more dimensions, usually labels of shape [N, 1] (a column read from a file or a "
        "DataFrame): use y.squeeze(1).long(). (Probabilities per class need the predictions' shape.)",
    ),
    (
        _DOUBLE_AND_FLOAT,
        "Two tensors meet in different float types, float64 (Double) and float32 (Float): usually data "
        "made with numpy, which is float64, reaching a model whose weights are float32. Convert the "
        "data with torch.from_numpy(a).float() or x.to(torch.float32) (or build it with "
        "dtype=torch.float32).",
    ),
    (
        _INTEGER_AND_FLOAT,
        "The model's input holds integers (Long) while its weights are floats: convert it with "
        "x.float() (class labels for CrossEntropyLoss stay integers; only the inputs change).",
    ),
    (
        "grad can be implicitly created only for scalar outputs",
        "backward() without arguments starts from a single number, but this tensor holds one value "
        "per example (a loss with reduction='none', or a forgotten .mean()): reduce it first, "
        "loss.mean().backward() (or .sum()).",
    ),
    (
        "out of bounds.",  # (torch: "Target 3 is out of bounds.")
        "A class index is at least the number of scores per example: the model's last layer needs one "
        "output per class (out_features = the number of classes), and labels must run from 0 to the "
        "number of classes − 1.",
    ),
    (
        "Expected input batch_size",
        "The predictions and the targets hold different numbers of examples: check that the model's "
        "output keeps the batch dimension first, and that the targets come from the same batch.",
    ),
)


def hint_for(message: str) -> str:
    """The hint for an exception's message, or "" when none fits."""
    for piece, hint in HINTS:
        if piece.search(message) if isinstance(piece, re.Pattern) else piece in message:
            return hint
    return ""
