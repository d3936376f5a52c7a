"""Test-wide settings.

Hypothesis explores the same examples on every run (``derandomize``), so a CI failure is
reproducible on any machine.
"""

from hypothesis import settings

settings.register_profile("systolic", derandomize=True, deadline=None)
settings.load_profile("systolic")
