"""The engine's own operation ``"train"``: a step function of the submission called once per
minibatch, answering its losses and the networks' parameters after the last step."""

from .builder import packed_parameters, parameter_names, reseed
from .protocol import pack


def train(session, request, builder):
    """Call a step function once per row of ``batches`` (indices into ``data``), with
    per-step keyword arguments sliced from ``per_step``; answer the returned losses and
    the networks' parameters after the last step."""
    args, kwargs = builder.build_call(request.get("args", []), request.get("kwargs", {}))
    data, batches = builder.tensor(request["data"]), builder.tensor(request["batches"])
    per_step = {key: builder.tensor(node) for key, node in request.get("per_step", {}).items()}
    step = session.resolve(request["function"])
    reseed(request.get("seed", 0))
    losses = []
    for t in range(batches.shape[0]):
        losses.append(step(data[batches[t]], *args, **kwargs, **{k: v[t] for k, v in per_step.items()}))
    out = []
    answer = {"value": pack(losses, out), "modified": []}
    answer["params"] = packed_parameters(builder.modules, out)
    answer["param_names"] = parameter_names(builder.modules)
    return answer, out
