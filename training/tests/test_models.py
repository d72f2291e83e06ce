import torch

from unweave_train.config import ModelConfig
from unweave_train.models import DeepClusteringNet


def test_output_shape_and_unit_norm():
    cfg = ModelConfig(hidden=8, layers=2, embedding_dim=7, dropout=0.1)
    m = DeepClusteringNet(cfg).eval()
    x = torch.randn(3, 11, cfg.bins) * 3 - 4
    with torch.no_grad():
        v = m(x)
    assert v.shape == (3, 11, cfg.bins, 7)
    n = v.norm(dim=-1)
    assert torch.allclose(n, torch.ones_like(n), atol=1e-5)


def test_normalisation_is_in_the_module():
    cfg = ModelConfig(hidden=4, layers=1, embedding_dim=3, dropout=0.0)
    torch.manual_seed(0)
    m = DeepClusteringNet(cfg).eval()
    x = torch.randn(1, 5, cfg.bins)
    with torch.no_grad():
        a = m(x)
        m.set_normalisation(torch.full((cfg.bins,), 2.0), torch.full((cfg.bins,), 3.0))
        b = m(x * 3 + 2)
    assert torch.allclose(a, b, atol=1e-5)
