"""The CS236 course's worker plugin: operations on the submission's models, loaded beside
the submission in the worker and beside the reference in the grader (worker/probes.py).
Instructor code with no secrets and no solution; it imports only torch.

Every operation builds the submission's model class with keyword arguments and loads the
grader's weights into it. While it runs, the engine serves the graded utils functions
the reference model reaches (``ut.sample_gaussian``, ``ut.log_normal``,
``ut.log_normal_mixture``) from the grader's reference (worker/served.py), so a mistake in
the student's own ``log_normal`` costs the ``log_normal`` test, not every model test.
"""
import math

import torch


def build_model(session, request, builder):
    """The submission's model of ``request["function"]`` ("models.vae.VAE.negative_elbo_bound"),
    built with keyword arguments and the grader's weights; returns (model, method name)."""
    owner, method = request["function"].rsplit(".", 1)
    device = request.get("on_device") or builder.device  # "meta": a smoke test of devices
    torch.manual_seed(request.get("seed", 0))
    with torch.device(device):  # built there, as `.cuda()` leaves it (moving to meta would replace Parameters)
        model = session.resolve(owner)(**request.get("ctor", {}))
    model = model.to(dtype=getattr(torch, builder.dtype))
    state = {name: builder.tensor(node).to(device) for name, node in request.get("state", {}).items()}
    names = set(model.state_dict())
    absent = sorted(set(state) - names)
    if absent:
        raise AttributeError(f"the model has no parameter `{absent[0]}` (the scaffold's names: enc.net.0.weight, "
                             "dec.net.4.bias, z_pre, …); keep the scaffold's attributes")
    mine = model.state_dict()
    other = next((name for name in sorted(state) if mine[name].shape != state[name].shape), None)
    if other is not None:  # one line, not load_state_dict's dump about a "checkpoint" the student never made
        raise ValueError(f"your {type(model).__name__}'s `{other}` has shape {list(mine[other].shape)} where the "
                         f"homework's has {list(state[other].shape)}: keep the template's constructor defaults "
                         "and layer sizes")
    model.load_state_dict(state, strict=False)
    return model, method


def bound(session, request, builder):
    """Call a model's bound ``calls`` times on x (and ``bound_args``); answer each call's outputs
    as rows of floats (NaN where an output is not one number), the first call's output
    shapes, whether its first output carries gradients, and optionally the gradient norm
    reaching each parameter group (enc, dec, cls, z_pre) from that output."""
    model, method = build_model(session, request, builder)
    x, args = builder.tensor(request["x"]).to(next(model.parameters()).device), request.get("bound_args", [])
    rows, shapes, grads, requires_grad = [], None, None, None
    for call in range(request.get("calls", 1)):
        outputs = getattr(model, method)(x, *args)
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        if call == 0:
            shapes = [list(o.shape) if torch.is_tensor(o) else None for o in outputs]
            first = outputs[0]
            requires_grad = bool(torch.is_tensor(first) and first.requires_grad)
            if request.get("grads") and requires_grad and first.numel() == 1:
                grads = gradient_norms(model, first)
        rows.append([_number(o) for o in outputs])
    return {"values": rows, "shapes": shapes, "requires_grad": requires_grad, "grads": grads}


def _number(output):
    """One returned value as a float; NaN for anything that is not one number (a batch of
    values, a tensor on the meta device, another object)."""
    if torch.is_tensor(output):
        return float(output.detach().double().cpu()) if output.numel() == 1 and output.device.type != "meta" \
            else math.nan
    return float(output) if isinstance(output, (int, float)) else math.nan


def gradient_norms(model, output):
    """{group: the norm of the gradient of ``output`` over that group's parameters, or None
    when none reaches it}; a group is the first part of a parameter's name."""
    named = [(name.split(".")[0], p) for name, p in model.named_parameters() if p.requires_grad]
    grads = torch.autograd.grad(output, [p for _, p in named], allow_unused=True, retain_graph=True)
    norms = {}
    for (group, _), g in zip(named, grads):
        if g is not None:
            norms[group] = math.hypot(norms.get(group) or 0.0, float(g.double().norm()))
        else:
            norms.setdefault(group, None)
    return norms


def train_bound(session, request, builder):
    """Train a model by its bound: for each row of ``batches`` (indices into ``data``), one
    Adam step on the bound's first output. Answers the losses and the trained parameters
    named in ``report`` (the grader scores them with its own bound)."""
    api = session.api
    model, method = build_model(session, request, builder)
    data, batches = builder.tensor(request["data"]), builder.tensor(request["batches"])
    optimizer = api.PlainAdam([p for p in model.parameters() if p.requires_grad], lr=request["lr"])
    losses = []
    for t in range(batches.shape[0]):
        loss = getattr(model, method)(data[batches[t]])[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]):
            break
    state = model.state_dict()
    trained = {name: state[name].detach() for name in request["report"] if name in state}
    trained["losses"] = torch.tensor(losses, dtype=torch.float64)
    return trained


def on_meta(session, request, builder):
    """Call a function with its tensor arguments on torch's "meta" device (shapes only, no
    data), as a GPU run would place them; answers the output's shape."""
    args, kwargs = builder.build_call(request.get("args", []), request.get("kwargs", {}))
    meta = [a.to("meta") if torch.is_tensor(a) else a for a in args]
    value = session.resolve(request["function"])(*meta, **kwargs)
    return list(value.shape) if torch.is_tensor(value) else None


OPS = {"model_bound": bound, "model_training": train_bound, "on_meta": on_meta}
