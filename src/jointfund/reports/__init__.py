"""Reports and exports computed from the book, never kept beside it."""
