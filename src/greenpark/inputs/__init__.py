"""Inputs: datasets, PV from weather, checks."""

from greenpark.inputs.resolve import Inputs, resolve_inputs

__all__ = ["Inputs", "resolve_inputs"]
