"""The `jointfund` command line: one module per noun, all thin shells over the domain."""
