"""Forecasts: contributions, fund value and distributions as distributions over many paths."""
