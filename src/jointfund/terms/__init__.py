"""The agreement as data: typed models, the loader, and the shipped URIF terms."""

from jointfund.terms.loader import (
    fingerprint,
    load_file,
    load_shipped,
    load_text,
    shipped_text,
    terms_in_force,
)
from jointfund.terms.model import Terms

__all__ = ["Terms", "fingerprint", "load_file", "load_shipped", "load_text", "shipped_text", "terms_in_force"]
