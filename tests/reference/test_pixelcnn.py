"""Masks, MaskedConv2d and the four receptive fields stated in the contract."""
import pytest
import torch
from torch import nn

from reference import pixelcnn

CONTRACT_FIELDS = {
    "AA": [11, 12, 13, 14, 15, 21, 22, 23, 31],
    "AB": [11, 12, 13, 14, 15, 21, 22, 23, 24, 31, 32],
    "BA": [11, 12, 13, 14, 15, 21, 22, 23, 24, 31, 32],
    "BB": [11, 12, 13, 14, 15, 21, 22, 23, 24, 31, 32, 33],
}


def test_masks_3x3():
    a = torch.tensor([[1, 1, 1], [1, 0, 0], [0, 0, 0]], dtype=torch.float32)
    b = a.clone()
    b[1, 1] = 1
    assert torch.equal(pixelcnn.causal_mask(3, "A"), a)
    assert torch.equal(pixelcnn.causal_mask(3, "B"), b)
    assert pixelcnn.causal_mask(5, "B").dtype == torch.float32
    assert pixelcnn.causal_mask(1, "A").sum() == 0 and pixelcnn.causal_mask(1, "B").sum() == 1


@pytest.mark.parametrize("size, kind", [(4, "A"), (0, "B"), (-3, "A"), (3, "C"), (2.0, "A"), (True, "B")])
def test_mask_rejects_bad_arguments(size, kind):
    with pytest.raises(ValueError):
        pixelcnn.causal_mask(size, kind)


@pytest.mark.parametrize("types", CONTRACT_FIELDS)
def test_receptive_fields_of_the_contract(types):
    torch.manual_seed(0)
    model = nn.Sequential(pixelcnn.MaskedConv2d(1, 4, 3, types[0]), nn.ReLU(),
                          pixelcnn.MaskedConv2d(4, 2, 3, types[1]))
    field = pixelcnn.receptive_field(model, 1, 5, 5, 2, 2)
    assert field.dtype == torch.bool and field.device.type == "cpu"
    got = sorted(10 * (r + 1) + c + 1 for r, c in field.nonzero().tolist())
    assert got == CONTRACT_FIELDS[types]


def test_masked_conv_stays_masked_after_optimizer_steps(device):
    torch.manual_seed(0)
    conv = pixelcnn.MaskedConv2d(2, 3, 5, "A").to(device)
    assert conv.padding == (2, 2)
    opt = torch.optim.SGD(conv.parameters(), lr=1.0)
    x = torch.randn(1, 2, 7, 7, device=device)
    for _ in range(3):
        opt.zero_grad()
        conv(x).pow(2).sum().backward()
        opt.step()
    field = pixelcnn.receptive_field(conv, 2, 7, 7, 3, 3)
    want = torch.zeros(7, 7, dtype=torch.bool)
    want[1:3, 1:6] = True  # two rows above, two columns either side
    want[3, 1:3] = True  # left of the centre; mask A excludes the centre
    assert torch.equal(field, want)
    mask = pixelcnn.causal_mask(5, "A").to(device)
    torch.testing.assert_close(conv(x), nn.functional.conv2d(x, conv.weight * mask, conv.bias, padding=2))
