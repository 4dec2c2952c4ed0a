"""jointfund: the book of record of a co-owned, jointly managed natural-resource fund."""

__version__ = "0.1.0"
