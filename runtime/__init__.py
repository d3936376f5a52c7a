"""Runs programs on the simulated chip, trains, reports; the `systolic` command."""
