"""What a learner's usual PyTorch errors mean, said next to torch's own message.

torch's messages are exact but name internals (`mat1 and mat2`, `scalar type Long`); each hint says
in a sentence what in a training script usually causes it and what to change.
"""

from __future__ import annotations

# (a piece of torch's message, the hint). The first that matches is used.
HINTS: tuple[tuple[str, str], ...] = (
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
        "expected target dtype to be Long",
        "CrossEntropyLoss and NLLLoss take class indices as integers: convert the targets with "
        "labels.long() (for probabilities per class, give targets of the predictions' shape).",
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
        if piece in message:
            return hint
    return ""
