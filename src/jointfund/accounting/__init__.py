"""Accounting periods: the calendar of the terms, period-end remeasurement and closing."""
