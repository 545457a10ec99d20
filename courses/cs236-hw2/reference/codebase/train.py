"""The homework's training loop (scaffold): Adam at 1e-3, each batch flattened and
re-binarized, checkpoints every ``iter_save`` iterations."""
import torch
from torch.nn import functional as F

from codebase import utils as ut


def train(model, train_loader, labeled_subset, device, tqdm, writer, iter_max=float("inf"), iter_save=float("inf"),
          model_name="model", y_status="none", reinitialize=False):
    if reinitialize:
        for module in model.modules():
            if hasattr(module, "reset_parameters") and module is not model:
                module.reset_parameters()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    i = 0
    with tqdm(total=iter_max) as progress:
        while True:
            for batch_idx, (xu, yu) in enumerate(train_loader):
                i += 1
                optimizer.zero_grad()
                xu = torch.bernoulli(xu.to(device).reshape(xu.size(0), -1))
                if y_status == "none":
                    loss, summaries = model.loss(xu)
                elif y_status == "semisup":
                    loss, summaries = model.loss(xu, *labeled_subset)
                else:  # fullsup: every label known
                    yu = F.one_hot(yu, 10).float().to(device)
                    loss, summaries = model.loss(xu, xu, yu)
                loss.backward()
                optimizer.step()
                progress.set_postfix(loss="{:.2e}".format(loss.item()))
                progress.update()
                if writer is not None:
                    for tag, value in summaries.items():
                        writer.add_scalar(tag, value, i)
                if i % iter_save == 0:
                    ut.save_model_by_name(model, i)
                if i == iter_max:
                    return
