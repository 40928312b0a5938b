"""The VAE's shapes and its loss against an independent computation."""

from __future__ import annotations

import numpy as np
import torch

from vae_core import VAE, ModelConfig, vae_loss


def test_shapes():
    model = VAE(ModelConfig(latent_dim=6, channels=(8, 16), hidden=32))
    x = torch.rand(5, 1, 28, 28)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (5, 6)
    with torch.no_grad():
        out = model.decode(mu)
    assert out.shape == (5, 1, 28, 28)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    logits, mu2, _ = model(x, torch.Generator().manual_seed(0))
    assert logits.shape == (5, 1, 28, 28)
    torch.testing.assert_close(mu2, mu)


def test_loss_matches_plain_numpy(rng):
    logits = rng.normal(size=(3, 1, 28, 28))
    x = rng.uniform(size=(3, 1, 28, 28))
    mu = rng.normal(size=(3, 4))
    logvar = rng.normal(size=(3, 4)) * 0.5
    recon, kl = vae_loss(*(torch.tensor(a) for a in (logits, x, mu, logvar)))
    p = 1 / (1 + np.exp(-logits))
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(3, -1).sum(1)
    # KL(N(mu, s^2) || N(0, 1)) = log(1/s) + (s^2 + mu^2)/2 - 1/2, summed over dimensions
    s = np.exp(0.5 * logvar)
    kl_ref = (np.log(1 / s) + (s**2 + mu**2) / 2 - 0.5).sum(1)
    np.testing.assert_allclose(recon.numpy(), bce, rtol=1e-5)
    np.testing.assert_allclose(kl.numpy(), kl_ref, rtol=1e-5)


def test_kl_is_zero_at_the_prior():
    z = torch.zeros(2, 10)
    _, kl = vae_loss(torch.zeros(2, 1, 28, 28), torch.full((2, 1, 28, 28), 0.5), z, z)
    assert torch.all(kl.abs() < 1e-7)


def test_reparameterize_uses_sigma():
    gen = torch.Generator().manual_seed(0)
    mu, logvar = torch.full((20000, 1), 3.0), torch.full((20000, 1), float(np.log(4.0)))
    z = VAE.reparameterize(mu, logvar, gen)
    assert abs(float(z.mean()) - 3.0) < 0.05
    assert abs(float(z.std()) - 2.0) < 0.05


def test_batch_norm_is_in_the_encoder_only_and_eval_codes_do_not_depend_on_the_batch():
    model = VAE(ModelConfig(channels=(8, 16), hidden=32, batch_norm=True))
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.encoder.modules()) == 4
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.decoder.modules())
    x = torch.rand(6, 1, 28, 28)
    model.train()
    model.encode(x)  # one training batch moves the running statistics away from (0, 1)
    model.eval()
    with torch.no_grad():
        alone = model.encode(x[:1])[0]
        in_batch = model.encode(x)[0][:1]
    torch.testing.assert_close(alone, in_batch)  # an upload encoded alone gets the same code
    plain = VAE(ModelConfig(channels=(8, 16), hidden=32, batch_norm=False))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())


def test_manifests_without_batch_norm_describe_the_older_plain_encoder():
    assert ModelConfig.from_dict({"latent_dim": 10, "channels": [32, 64], "hidden": 512}).batch_norm is False
    assert ModelConfig.from_dict(ModelConfig().to_dict()) == ModelConfig()  # default: batch norm on
    assert ModelConfig().batch_norm is True
