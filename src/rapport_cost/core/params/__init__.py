"""Θ: the parameters of the config, their distributions, draws and price-year factors."""
