"""Threshold analysis: what a threshold rule demands, encoded in Z3 over one configuration of a
family, and its report types.
"""
