"""The demo fund: realistic, illustrative activity on the shipped terms (data in seed.toml)."""
