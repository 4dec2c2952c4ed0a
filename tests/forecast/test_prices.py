"""Analytic checks of the price models, on many paths."""

from __future__ import annotations

import numpy as np

from jointfund.forecast import prices


def params(
    model: str, start: float, vol: float, drift: float = 0.0, long_run: float = 1.0, speed: float = 1.0
):  # noqa: ANN201
    is_ou = model == "ou"
    return prices.PriceParams(
        is_ou=np.array([is_ou]),
        start=np.array([start]),
        drift=np.array([drift]),
        level=np.array([prices.ou_level(long_run, vol, speed) if is_ou else 0.0]),
        speed=np.array([speed]),
        volatility=np.array([vol]),
        cholesky=np.eye(1),
    )


def test_gbm_mean_is_s0_exp_mu_t():
    rng = np.random.default_rng(11)
    dt = np.array([0.5] + [1.0] * 9)  # a partial first year too
    p = params("gbm", 100.0, 0.3, drift=0.04)
    s = prices.paths(p, dt, rng.standard_normal((200_000, dt.size, 1)))[:, :, 0]
    t = np.cumsum(dt)
    expected = 100.0 * np.exp(0.04 * t)
    # the standard error of the mean of a lognormal: S0 e^{μt} sqrt(e^{σ²t} - 1) / sqrt(n)
    se = expected * np.sqrt(np.exp(0.09 * t) - 1) / np.sqrt(s.shape[0])
    assert (np.abs(s.mean(axis=0) - expected) < 4 * se).all()


def test_zero_volatility_gbm_is_exact():
    dt = np.ones(5)
    s = prices.paths(params("gbm", 50.0, 0.0, drift=0.1), dt, np.zeros((1, 5, 1)))[0, :, 0]
    assert np.allclose(s, 50.0 * np.exp(0.1 * np.arange(1, 6)), rtol=1e-14)


def test_ou_reverts_to_its_long_run_mean():
    rng = np.random.default_rng(12)
    dt = np.ones(40)
    p = params("ou", 10_000.0, 0.4, long_run=18_000.0, speed=0.5)
    s = prices.paths(p, dt, rng.standard_normal((100_000, 40, 1)))[:, :, 0]
    late = s[:, -1]
    assert abs(late.mean() / 18_000.0 - 1) < 0.01
    # Early on the mean is still near the start: it has reverted only part of the way.
    assert s[:, 0].mean() < 14_000
    # The log price's spread settles at the stationary σ/√(2κ).
    assert abs(np.log(late).std() - 0.4 / np.sqrt(2 * 0.5)) < 0.01


def test_correlated_shocks_have_the_stated_correlation():
    rng = np.random.default_rng(13)
    rho = 0.6
    chol = np.linalg.cholesky(np.array([[1.0, rho], [rho, 1.0]]))
    p = prices.PriceParams(
        np.array([False, False]),
        np.array([1.0, 1.0]),
        np.zeros(2),
        np.zeros(2),
        np.ones(2),
        np.array([0.2, 0.3]),
        chol,
    )
    s = prices.paths(p, np.ones(1), rng.standard_normal((100_000, 1, 2)))
    assert abs(np.corrcoef(np.log(s[:, 0, 0]), np.log(s[:, 0, 1]))[0, 1] - rho) < 0.01


def test_log_sd_matches_the_simulated_spread():
    rng = np.random.default_rng(14)
    dt = np.ones(10)
    p = params("ou", 100.0, 0.3, long_run=100.0, speed=0.3)
    s = prices.paths(p, dt, rng.standard_normal((100_000, 10, 1)))[:, :, 0]
    assert np.allclose(np.log(s).std(axis=0), prices.log_sd(p, dt)[:, 0], rtol=0.02)
